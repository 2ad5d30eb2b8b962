import { z } from 'zod';
import { IMAGE_MODELS, kdAlphaHelp, kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

/** FitNets (Romero et al. 2015): CE + β·MSE(r(f_s), f_t) on a hint layer, r a regressor (RepDistiller `FitNet.py`, `ConvReg`). */
export const fitnet = defineMethod({
  name: 'fitnet',
  fields: {
    /** RepDistiller's FitNet runs: `-b 100`. */
    beta: z.number().min(0).default(100),
    /** Teacher block (0-based) giving the hint; default the middle block, as RepDistiller's `--hint_layer 2` of a CIFAR ResNet. */
    hintLayer: z.number().int().min(0).optional(),
    /** Student block (0-based) that is guided; default its middle block. */
    guidedLayer: z.number().int().min(0).optional(),
    /** 'one': hint + CE together (RepDistiller); 'two': the paper's hint pre-training, then KD. */
    stages: z.enum(['one', 'two']).default('one'),
    /** Epochs of the hint stage (two stages); by default `train.epochs`. */
    hintEpochs: z.number().int().positive().optional(),
    /** KD weight of the second stage, (1−α)·CE + α·T²·KL (Hinton; RepDistiller alpha 0.9). */
    alpha: z.number().min(0).max(1).default(0.9),
    ...kdTermFields,
  },
  label: 'FitNets (hint)',
  summary: 'CE + β·MSE(r(f_student), f_teacher) on a hint layer, r a learned regressor; one stage, or hint pre-training then KD.',
  reference: 'Romero et al. 2015, “FitNets”; RepDistiller FitNet.py, ConvReg',
  command: { id: 'distill.runFitNets', title: 'Run FitNets Hint Distillation' },
  params: {
    beta: { label: 'Hint weight β', symbol: 'β', help: 'Weight of the hint MSE.' },
    hintLayer: { label: 'Teacher hint block', optional: true, help: '0-based; by default the middle block.' },
    guidedLayer: { label: 'Student guided block', optional: true, help: '0-based; by default the middle block.' },
    stages: { label: 'Stages', kind: 'choice', help: 'one: hint + CE together; two: the paper’s hint pre-training, then KD.' },
    hintEpochs: { label: 'Hint-stage epochs', optional: true, help: 'Two stages only; by default the training epochs.' },
    alpha: { ...kdAlphaHelp, help: 'KD weight of the second stage.' },
    ...kdTermHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
  stages: (method) => (method.stages === 'two' ? [{ role: 'student-hint', stage: 'hint', epochs: method.hintEpochs }, { role: 'student' }] : [{ role: 'student' }]),
});
