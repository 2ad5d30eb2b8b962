import { z } from 'zod';
import { IMAGE_MODELS, temperatureHelp } from './common';
import { defineMethod } from './method';

/**
 * TinyBERT (Jiao et al. 2020, `task_distill.py`): stage 1 matches the first block's output
 * (the "embedding") and the mapped hidden blocks through learned projections W; stage 2 is
 * prediction-layer distillation with soft cross-entropy.
 */
export const tinybert = defineMethod({
  name: 'tinybert',
  fields: {
    /** `task_distill.py --temperature 1`. */
    temperature: z.number().gt(0).default(1),
    /** Epochs of the intermediate stage; by default `train.epochs`. */
    intermediateEpochs: z.number().int().positive().optional(),
  },
  label: 'TinyBERT (embedding + hidden)',
  summary: 'Stage 1: the first block’s output and the mapped hidden blocks match the teacher’s through learned projections W; stage 2: soft cross-entropy on the predictions.',
  reference: 'Jiao et al. 2020, “TinyBERT”; task_distill.py',
  command: { id: 'distill.runTinyBert', title: 'Run Embedding + Hidden Distillation (TinyBERT-style)' },
  params: {
    temperature: { ...temperatureHelp, help: 'Of the prediction stage’s soft cross-entropy.' },
    intermediateEpochs: { label: 'Intermediate-stage epochs', optional: true, help: 'By default the training epochs.' },
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
  stages: (method) => [{ role: 'student-intermediate', stage: 'intermediate', epochs: method.intermediateEpochs }, { role: 'student' }],
});
