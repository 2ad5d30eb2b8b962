import { IMAGE_MODELS } from './common';
import { defineMethod } from './method';

/** Student from scratch with cross-entropy (the baseline every method is compared with). */
export const scratch = defineMethod({
  name: 'scratch',
  fields: {},
  label: 'Student from scratch',
  summary: 'The student alone, with cross-entropy: the baseline every method is compared with.',
  reference: '—',
  command: { id: 'distill.runScratch', title: 'Train Student from Scratch' },
  params: {},
  modelKinds: IMAGE_MODELS,
  teacher: false,
  student: true,
});
