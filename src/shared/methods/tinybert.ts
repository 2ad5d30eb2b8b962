import { z } from 'zod';
import { temperatureHelp } from './common';
import { defineMethod } from './method';

/** TinyBERT's projection: one W for every matched layer (its `fit_dense`), or one W per layer. */
export const ProjectionSharing = z.enum(['shared', 'per-layer']);
export type ProjectionSharing = z.infer<typeof ProjectionSharing>;

/**
 * TinyBERT (Jiao et al. 2020, `task_distill.py`): stage 1 matches the first block's output
 * (the "embedding") and the mapped hidden blocks through a learned projection W, one shared by
 * every layer by default — on transformers the embedding output and the layers mapped by
 * g(m) = m·N/M, plus the MSE of every head's unnormalised attention scores; stage 2 is
 * prediction-layer distillation with soft cross-entropy averaged over batch × classes.
 */
export const tinybert = defineMethod({
  name: 'tinybert',
  fields: {
    /** `task_distill.py --temperature 1`. */
    temperature: z.number().gt(0).default(1),
    /**
     * TinyBERT's student has one `fit_dense` (Linear(student hidden, teacher hidden)) applied to
     * every hidden state it matches, the embedding output included.
     */
    projection: ProjectionSharing.default('shared'),
    /** Epochs of the intermediate stage; by default `train.epochs`. */
    intermediateEpochs: z.number().int().positive().max(10_000).optional(),
  },
  label: 'TinyBERT (embedding + hidden)',
  summary:
    'Stage 1: the first block’s output (on text, the embedding output) and the mapped hidden blocks match the teacher’s through a learned projection W (one shared W, or one per layer), and on text every head’s attention scores; stage 2: soft cross-entropy on the predictions, averaged over batch × classes.',
  reference: 'Jiao et al. 2020, “TinyBERT”; task_distill.py',
  command: { id: 'distill.runTinyBert', title: 'Run Embedding + Hidden Distillation (TinyBERT-style)' },
  params: {
    temperature: { ...temperatureHelp, help: 'Of the prediction stage’s soft cross-entropy (averaged over batch × classes, as task_distill.py).' },
    projection: {
      label: 'Projection W',
      kind: 'choice',
      help: 'shared (default, TinyBERT’s fit_dense): one W for every matched layer, which needs the student’s blocks of one width and the matched teacher blocks of one width (true of transformers; CNN blocks usually differ, and the run then stops naming method.projection); per-layer: one W per matched layer, for blocks of different widths.',
    },
    intermediateEpochs: { label: 'Intermediate-stage epochs', optional: true, help: 'By default the training epochs.' },
  },
  modelKinds: ['image', 'text'],
  teacher: true,
  student: true,
  stages: (method) => [{ role: 'student-intermediate', stage: 'intermediate', epochs: method.intermediateEpochs }, { role: 'student' }],
});
