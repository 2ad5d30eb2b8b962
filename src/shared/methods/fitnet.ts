import { z } from 'zod';
import { IMAGE_MODELS, kdAlphaHelp, kdTermFields, kdTermHelp } from './common';
import { defineMethod, type StudentStage } from './method';

/** RepDistiller pre-trains FitNets' hint for `--init_epochs 30` beside its 240 epochs: 1/8 of the run. */
export const HINT_SHARE = 1 / 8;

/**
 * The student's stages. Two stages share the run's E = `train.epochs`, the baseline's budget: the
 * hint stage takes `hintEpochs`, by default max(1, round(E/8)), and the KD stage the rest (at
 * least one epoch). Without E (the phase list) only the roles and an explicit `hintEpochs` are set.
 */
export function fitnetStages(method: { stages: 'one' | 'two'; hintEpochs?: number }, trainEpochs?: number): StudentStage[] {
  if (method.stages === 'one') return [{ role: 'student' }];
  if (trainEpochs === undefined) return [{ role: 'student-hint', stage: 'hint', epochs: method.hintEpochs }, { role: 'student' }];
  const hint = method.hintEpochs ?? Math.max(1, Math.round(trainEpochs * HINT_SHARE));
  return [
    { role: 'student-hint', stage: 'hint', epochs: hint },
    { role: 'student', epochs: Math.max(1, trainEpochs - hint) },
  ];
}

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
    /** Epochs of the hint stage (two stages), taken from `train.epochs`; by default 1/8 of them (RepDistiller's 30 of 240). */
    hintEpochs: z.number().int().positive().max(10_000).optional(),
    /** KD weight of the second stage, (1−α)·CE + α·T²·KL (Hinton; RepDistiller alpha 0.9). */
    alpha: z.number().min(0).max(1).default(0.9),
    ...kdTermFields,
  },
  label: 'FitNets (hint)',
  summary: 'CE + β·MSE(r(f_student), f_teacher) on a hint layer, r a learned regressor; one stage, or hint pre-training then KD within the same epochs.',
  reference: 'Romero et al. 2015, “FitNets”; RepDistiller FitNet.py, ConvReg',
  command: { id: 'distill.runFitNets', title: 'Run FitNets Hint Distillation' },
  params: {
    beta: { label: 'Hint weight β', symbol: 'β', help: 'Weight of the hint MSE.' },
    hintLayer: { label: 'Teacher hint block', optional: true, help: '0-based; by default the middle block.' },
    guidedLayer: { label: 'Student guided block', optional: true, help: '0-based; by default the middle block.' },
    stages: { label: 'Stages', kind: 'choice', help: 'one: hint + CE together; two: the paper’s hint pre-training, then KD.' },
    hintEpochs: {
      label: 'Hint-stage epochs',
      optional: true,
      help: 'Two stages only: the hint stage’s part of the training epochs, the KD stage getting the rest; by default 1/8 of them (RepDistiller: 30 of 240).',
    },
    alpha: { ...kdAlphaHelp, help: 'KD weight of the second stage.' },
    ...kdTermHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
  stages: fitnetStages,
});
