import type { ExperimentConfigInput } from '../shared/protocol';

/**
 * The README's main job: on the built-in Fashion-MNIST subset, a CNN teacher, an MLP student
 * from scratch and the same student with Hinton KD. Sized to finish in a few minutes on two
 * cores with the WASM backend.
 */
export const DEMO_CONFIG: ExperimentConfigInput = {
  name: 'demo-kd',
  data: { dataset: { kind: 'builtin' } },
  teacher: { model: { arch: 'cnn', widths: [16, 32], dense: 128 }, train: { epochs: 8 } },
  student: { model: { arch: 'mlp', hidden: [32] } },
  // RepDistiller's defaults, untuned for this data.
  method: { name: 'kd', temperature: 4, alpha: 0.9 },
  baseline: true,
  // Students are cheap (the teacher's logits are computed once), so they get more epochs.
  train: { epochs: 12, batchSize: 64, optimizer: { kind: 'adam' }, learningRate: 2e-3 },
  seed: 42,
};
