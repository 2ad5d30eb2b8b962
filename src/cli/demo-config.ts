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

/**
 * `npm run demo:text`: on the built-in SpamAssassin set (ham, hard ham, spam), a BERT-style
 * teacher, a student half as deep and as wide from scratch, and the same student with DistilBERT
 * (its initialisation from every other teacher layer applies: the widths match). Sizes measured
 * on two cores (README, "The text demo").
 */
export const DEMO_TEXT_CONFIG: ExperimentConfigInput = {
  name: 'demo-distilbert',
  data: { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 64, minTokenCount: 2 } },
  // The teacher's validation accuracy still rises after the students' 3 epochs; at 5 it leads the scratch student.
  teacher: { model: { arch: 'transformer', layers: 4, hidden: 64, heads: 2, maxLength: 64 }, train: { epochs: 5 } },
  student: { model: { arch: 'transformer', layers: 2, hidden: 64, heads: 2, maxLength: 64 } },
  // DistilBERT's defaults (distiller.py): α_ce 5, α_cls 2, α_cos 1, T 2.
  method: { name: 'distilbert' },
  baseline: true,
  train: { epochs: 3, batchSize: 32, optimizer: { kind: 'adam' }, learningRate: 1e-3 },
  seed: 42,
};
