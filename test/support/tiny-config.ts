import type { ExperimentConfigInput } from '../../src/shared/protocol';

/** A run small enough for a unit test: a few hundred built-in samples, MLPs, one epoch each. */
export function tinyConfig(overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfigInput {
  return {
    name: 'tiny',
    data: { dataset: { kind: 'builtin' }, limitTrain: 512, limitValidation: 200 },
    teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 1 } },
    student: { model: { arch: 'mlp', hidden: [8] } },
    method: { name: 'kd' },
    train: { epochs: 1, batchSize: 64 },
    predictionSamples: 4,
    backend: 'wasm',
    ...overrides,
  };
}
