import type { ModelSpecInput as ModelSpec } from '../src/shared/protocol';

/** Fashion-MNIST's shape: 28×28 grey images, 10 classes. */
export const INPUT_SHAPE = [28, 28, 1];
export const NUM_CLASSES = 10;
export const BATCH_SIZE = 128;
/** KD settings of the comparison (RepDistiller's defaults, as in the method registry). */
export const KD_TEMPERATURE = 4;
export const KD_ALPHA = 0.9;

export type StepKind = 'scratch' | 'kd';

export interface BenchCase {
  /** Stable id shared with bench/bench_torch.py. */
  id: string;
  label: string;
  kind: StepKind;
  /** The trained model (teacher or student). */
  model: ModelSpec;
  /** For KD: the frozen teacher, run in inference mode. */
  teacher?: ModelSpec;
}

const MLP_TEACHER: ModelSpec = { arch: 'mlp', hidden: [512, 512] };
const MLP_STUDENT: ModelSpec = { arch: 'mlp', hidden: [64] };
const CNN_TEACHER: ModelSpec = { arch: 'cnn', widths: [32, 64] };
const CNN_STUDENT: ModelSpec = { arch: 'cnn', widths: [8, 16] };

export const BENCH_CASES: BenchCase[] = [
  { id: 'mlp-teacher', label: 'mlp 512-512 teacher step', kind: 'scratch', model: MLP_TEACHER },
  { id: 'mlp-student', label: 'mlp 64 student step', kind: 'scratch', model: MLP_STUDENT },
  { id: 'mlp-kd', label: 'mlp 64 KD step (mlp teacher)', kind: 'kd', model: MLP_STUDENT, teacher: MLP_TEACHER },
  { id: 'cnn-teacher', label: 'cnn 32-64 teacher step', kind: 'scratch', model: CNN_TEACHER },
  { id: 'cnn-student', label: 'cnn 8-16 student step', kind: 'scratch', model: CNN_STUDENT },
  { id: 'cnn-kd', label: 'cnn 8-16 KD step (cnn teacher)', kind: 'kd', model: CNN_STUDENT, teacher: CNN_TEACHER },
];

/** The case list in the form bench_torch.py reads (--cases JSON). */
export function torchCaseSpecs(cases: BenchCase[]): unknown[] {
  return cases.map((c) => ({ id: c.id, kind: c.kind, model: c.model, teacher: c.teacher ?? null }));
}
