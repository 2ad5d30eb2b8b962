import { z } from 'zod';
import { IMAGE_MODELS, temperatureHelp } from './common';
import { defineMethod } from './method';

/** Decoupled KD (Zhao et al. 2022, mdistiller `DKD.py`): CE + warm-up·(α·TCKD + β·NCKD). */
export const dkd = defineMethod({
  name: 'dkd',
  fields: {
    /** mdistiller CIFAR config: CE_WEIGHT 1, ALPHA 1, BETA 8, T 4, WARMUP 20 (of 240 epochs). */
    ceWeight: z.number().min(0).default(1),
    alpha: z.number().min(0).default(1),
    beta: z.number().min(0).default(8),
    temperature: z.number().gt(0).default(4),
    /**
     * The DKD term is scaled by min(epoch/W, 1), epochs counted from 1 (mdistiller), over a warm-up
     * of W = max(1, warmupShare·train.epochs) epochs: mdistiller's 20 of 240 epochs is 1/12, so a
     * short run finishes its warm-up as a 240-epoch one does.
     */
    warmupShare: z
      .number()
      .min(0)
      .max(1)
      .default(1 / 12),
    /** W in epochs, given explicitly (mdistiller's WARMUP), in place of the share; 0 disables the warm-up. */
    warmupEpochs: z.number().int().min(0).max(10_000).optional(),
  },
  label: 'Decoupled KD',
  summary: 'CE + warm-up·(α·TCKD + β·NCKD): the target-class and non-target-class parts of KD weighted apart.',
  reference: 'Zhao et al. 2022, “Decoupled Knowledge Distillation”; mdistiller DKD.py',
  command: { id: 'distill.runDkd', title: 'Run Decoupled KD (DKD)' },
  params: {
    ceWeight: { label: 'CE weight', help: 'Weight of cross-entropy with the labels.' },
    alpha: { label: 'TCKD weight α', symbol: 'α', help: 'Target-class KD.' },
    beta: { label: 'NCKD weight β', symbol: 'β', help: 'Non-target-class KD.' },
    temperature: temperatureHelp,
    warmupShare: {
      label: 'Warm-up share of the run',
      help: 'The DKD term grows linearly over this share of the training epochs, at least one epoch (mdistiller: 20 of 240 epochs, 1/12).',
    },
    warmupEpochs: { label: 'Warm-up epochs', optional: true, help: 'The warm-up in epochs, in place of the share; 0 is none.' },
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
