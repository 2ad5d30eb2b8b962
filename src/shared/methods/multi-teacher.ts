import { z } from 'zod';
import { ModelSpec } from '../protocol/model-spec';
import { IMAGE_MODELS, kdFields, kdHelp } from './common';
import { defineMethod } from './method';

/** What the teachers' outputs are averaged as: their logits (TextBrewer), or their probabilities at T. */
export const EnsembleAggregate = z.enum(['logits', 'probabilities']);
export type EnsembleAggregate = z.infer<typeof EnsembleAggregate>;

/**
 * KD from an ensemble (TextBrewer `MultiTeacherDistiller`): by default p_t = softmax(z̄/T), z̄ the
 * weighted mean of the teachers' logits; or, as an option, the weighted mean of their
 * probabilities at T. The teachers are `teacher` (trained or its checkpoint), then `teachers`
 * (trained here), then `checkpoints` (loaded).
 */
export const multiTeacher = defineMethod({
  name: 'multi-teacher',
  fields: {
    /**
     * One more teacher by default, an MLP beside the default CNN teacher, so the ensemble is diverse;
     * on text data a transformer of the teacher's architecture instead (textMethodDefaults, applied when the config is parsed).
     */
    teachers: z.array(ModelSpec).default([{ arch: 'mlp', hidden: [256, 256] }]),
    checkpoints: z.array(z.string().min(1)).default([]),
    /** One weight per teacher, in the order above; TextBrewer weighs teachers equally when none are given. */
    weights: z.array(z.number().min(0)).min(1).optional(),
    /** TextBrewer `MultiTeacherDistiller.train_on_batch`: `mean_l_T = sum(l_T)/len(l_T)`, the KD loss taken against it at T. */
    aggregate: EnsembleAggregate.default('logits'),
    ...kdFields,
  },
  label: 'Multi-teacher KD',
  summary: 'KD against several teachers: p_teacher = softmax(z̄/T), z̄ the weighted mean of their logits (TextBrewer), or the weighted mean of their probabilities at T.',
  reference: 'TextBrewer MultiTeacherDistiller',
  command: { id: 'distill.runMultiTeacher', title: 'Run Multi-Teacher Ensemble KD' },
  params: {
    teachers: {
      label: 'More teachers (trained here)',
      kind: 'models',
      help: 'Besides the teacher above, as CLI flags separated by “;”, e.g. mlp:256,256; cnn:16,32. On text data the default is a second transformer of the teacher’s architecture (its own seed).',
    },
    checkpoints: { label: 'More teachers (saved)', kind: 'folders', help: 'Folders with model.json, separated by “;”; Browse… adds one.' },
    weights: { label: 'Teacher weights', kind: 'list', optional: true, help: 'One per teacher in the order above; equal when not set.' },
    aggregate: {
      label: 'Ensemble of',
      kind: 'choice',
      help: 'logits (default, as TextBrewer): the student learns softmax(z̄/T), z̄ the weighted mean of the teachers’ logits; probabilities: the weighted mean of their softmax(z/T). The evaluated ensemble row uses the same aggregate (at T=1).',
    },
    ...kdHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
