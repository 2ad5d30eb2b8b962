import { z } from 'zod';
import { IMAGE_MODELS, temperatureHelp } from './common';
import { defineMethod } from './method';

/** Decoupled KD (Zhao et al. 2022, mdistiller `DKD.py`): CE + warm-up·(α·TCKD + β·NCKD). */
export const dkd = defineMethod({
  name: 'dkd',
  fields: {
    /** mdistiller CIFAR config: CE_WEIGHT 1, ALPHA 1, BETA 8, T 4, WARMUP 20. */
    ceWeight: z.number().min(0).default(1),
    alpha: z.number().min(0).default(1),
    beta: z.number().min(0).default(8),
    temperature: z.number().gt(0).default(4),
    /** The DKD term is scaled by min(epoch/warmupEpochs, 1), epochs counted from 1; 0 disables the warm-up. */
    warmupEpochs: z.number().int().min(0).default(20),
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
    warmupEpochs: { label: 'Warm-up epochs', help: 'The DKD term grows linearly over these epochs; 0 is none.' },
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
