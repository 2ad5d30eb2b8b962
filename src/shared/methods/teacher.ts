import { IMAGE_MODELS } from './common';
import { defineMethod } from './method';

/** Train the teacher alone with cross-entropy. */
export const teacher = defineMethod({
  name: 'teacher',
  fields: {},
  label: 'Train the teacher',
  summary: 'The teacher alone, with cross-entropy on the labels.',
  reference: '—',
  command: { id: 'distill.trainTeacher', title: 'Train Teacher' },
  params: {},
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: false,
});
