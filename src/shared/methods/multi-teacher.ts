import { z } from 'zod';
import { ModelSpec } from '../protocol/model-spec';
import { IMAGE_MODELS, kdFields, kdHelp } from './common';
import { defineMethod } from './method';

/**
 * KD from an ensemble (TextBrewer `MultiTeacherDistiller`): p_t is the weighted mean of the
 * teachers' probabilities at T. The teachers are `teacher` (trained or its checkpoint), then
 * `teachers` (trained here), then `checkpoints` (loaded).
 */
export const multiTeacher = defineMethod({
  name: 'multi-teacher',
  fields: {
    /** One more teacher by default, an MLP beside the default CNN teacher, so the ensemble is diverse. */
    teachers: z.array(ModelSpec).default([{ arch: 'mlp', hidden: [256, 256] }]),
    checkpoints: z.array(z.string().min(1)).default([]),
    /** One weight per teacher, in the order above; TextBrewer weighs teachers equally when none are given. */
    weights: z.array(z.number().min(0)).min(1).optional(),
    ...kdFields,
  },
  label: 'Multi-teacher KD',
  summary: 'KD where p_teacher is the weighted mean of several teachers’ probabilities at T.',
  reference: 'TextBrewer MultiTeacherDistiller',
  command: { id: 'distill.runMultiTeacher', title: 'Run Multi-Teacher Ensemble KD' },
  params: {
    teachers: { label: 'More teachers (trained here)', kind: 'models', help: 'Besides the teacher above, as CLI flags separated by “;”, e.g. mlp:256,256; cnn:16,32.' },
    checkpoints: { label: 'More teachers (saved)', kind: 'folders', help: 'Folders with model.json, separated by “;”; Browse… adds one.' },
    weights: { label: 'Teacher weights', kind: 'list', optional: true, help: 'One per teacher in the order above; equal when not set.' },
    ...kdHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
