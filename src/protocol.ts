// The one contract: experiment config (zod, with each method's defaults) and every message
// between the extension host and the trainer. Imports neither vscode nor TensorFlow.
import { z } from 'zod';

// ---------- datasets ----------
export const BUILTIN_DATASET = 'fashion-mnist-small';

export const DatasetSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), name: z.literal(BUILTIN_DATASET).default(BUILTIN_DATASET) }),
  z.object({
    kind: z.literal('idx'),
    trainImages: z.string().min(1),
    trainLabels: z.string().min(1),
    testImages: z.string().min(1).optional(),
    testLabels: z.string().min(1).optional(),
    classNames: z.array(z.string()).optional(),
  }),
  z.object({ kind: z.literal('cifar10'), dir: z.string().min(1) }),
  z.object({
    kind: z.literal('csv'),
    train: z.string().min(1),
    test: z.string().min(1).optional(),
    labelColumn: z.union([z.string().min(1), z.number().int().nonnegative()]).default('label'),
  }),
  z.object({
    kind: z.literal('imageFolder'),
    train: z.string().min(1),
    test: z.string().min(1).optional(),
    width: z.number().int().positive().default(32),
    height: z.number().int().positive().default(32),
    grayscale: z.boolean().default(false),
  }),
]);
export type DatasetSpec = z.infer<typeof DatasetSpec>;

export const DataConfig = z
  .object({
    dataset: DatasetSpec.default({ kind: 'builtin', name: BUILTIN_DATASET }),
    /** Fraction of the training split held out for validation when the dataset has no test split. */
    validationSplit: z.number().gt(0).lt(1).default(0.1),
    /** Use at most this many training / validation samples (quick runs). */
    limitTrain: z.number().int().positive().optional(),
    limitValidation: z.number().int().positive().optional(),
  })
  .strict();
export type DataConfig = z.infer<typeof DataConfig>;

// ---------- models ----------
export const ModelSpec = z.discriminatedUnion('arch', [
  z.object({ arch: z.literal('mlp'), hidden: z.array(z.number().int().positive()).min(1).default([256, 256]) }).strict(),
  z.object({ arch: z.literal('cnn'), widths: z.array(z.number().int().positive()).min(1).default([32, 64]) }).strict(),
  z
    .object({
      arch: z.literal('resnet'),
      depth: z.union([z.literal(8), z.literal(14), z.literal(20), z.literal(32), z.literal(56)]).default(8),
      widthMultiplier: z.number().int().positive().default(1),
    })
    .strict(),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;

// ---------- optimisation ----------
export const OptimizerConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('adam'), beta1: z.number().gt(0).lt(1).default(0.9), beta2: z.number().gt(0).lt(1).default(0.999) }).strict(),
  z.object({ kind: z.literal('sgd'), momentum: z.number().min(0).lt(1).default(0.9) }).strict(),
]);

export const ScheduleConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z
    .object({
      kind: z.literal('step'),
      /** Epochs (1-based) after which the rate is multiplied by gamma, as in RepDistiller's 150/180/210. */
      milestones: z.array(z.number().int().positive()).min(1),
      gamma: z.number().gt(0).lte(1).default(0.1),
    })
    .strict(),
  z.object({ kind: z.literal('cosine'), minLearningRate: z.number().min(0).default(0) }).strict(),
]);

export const TrainConfig = z
  .object({
    epochs: z.number().int().positive().default(5),
    batchSize: z.number().int().positive().default(64),
    optimizer: OptimizerConfig.default({ kind: 'adam' }),
    learningRate: z.number().gt(0).default(1e-3),
    schedule: ScheduleConfig.default({ kind: 'constant' }),
    weightDecay: z.number().min(0).default(0),
    /** Stop after this many steps per epoch (quick runs and tests). */
    maxStepsPerEpoch: z.number().int().positive().optional(),
  })
  .strict();
export type TrainConfig = z.infer<typeof TrainConfig>;

// ---------- methods ----------
// Every default names its source.
export const MethodConfig = z.discriminatedUnion('name', [
  /** Train the teacher alone with cross-entropy. */
  z.object({ name: z.literal('teacher') }).strict(),
  /** Student from scratch with cross-entropy (the baseline every method is compared with). */
  z.object({ name: z.literal('scratch') }).strict(),
  /** Hinton et al. 2015; defaults from RepDistiller (T=4) and its KD runs (alpha 0.9). */
  z
    .object({
      name: z.literal('kd'),
      temperature: z.number().gt(0).default(4),
      alpha: z.number().min(0).max(1).default(0.9),
    })
    .strict(),
  /** Soft targets only, on a transfer set whose labels are never read (T as in KD). */
  z
    .object({
      name: z.literal('unlabeled'),
      temperature: z.number().gt(0).default(4),
      /** Transfer set; by default the training images, with their labels withheld. */
      transfer: DatasetSpec.optional(),
    })
    .strict(),
]);
export type MethodConfig = z.infer<typeof MethodConfig>;
export type MethodName = MethodConfig['name'];

export const BackendName = z.enum(['auto', 'tfjs-node', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

export const ExperimentConfig = z
  .object({
    name: z.string().min(1).default('experiment'),
    data: DataConfig.default({}),
    teacher: z
      .object({
        model: ModelSpec.default({ arch: 'cnn', widths: [32, 64] }),
        /** Training of the teacher; fields not given come from `train`. */
        train: TrainConfig.partial().default({}),
        /** A checkpoint folder (model.json) to use instead of training a teacher. */
        checkpoint: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    student: z.object({ model: ModelSpec.default({ arch: 'mlp', hidden: [64] }) }).strict().default({}),
    method: MethodConfig.default({ name: 'kd' }),
    /** Also train the student from scratch with the same schedule, as the baseline. */
    baseline: z.boolean().default(true),
    train: TrainConfig.default({}),
    seed: z.number().int().nonnegative().default(42),
    backend: BackendName.default('auto'),
    /** How many fixed validation samples are sent with each `predictions` event. */
    predictionSamples: z.number().int().min(0).max(64).default(12),
  })
  .strict();
export type ExperimentConfig = z.infer<typeof ExperimentConfig>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid experiment config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function describeIssue(issue: z.ZodIssue, input: unknown): string {
  const field = ['config', ...issue.path].join('.');
  const given = describeValue(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `${field}: expected ${issue.expected}, got ${issue.received === 'undefined' ? 'nothing' : `${issue.received} ${given}`}`;
    case 'invalid_union_discriminator':
      return `${field}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${given}`;
    case 'invalid_literal':
      return `${field}: expected ${JSON.stringify(issue.expected)}, got ${given}`;
    case 'invalid_enum_value':
      return `${field}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${given}`;
    case 'unrecognized_keys':
      return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'too_small':
      return `${field}: expected ${issue.type === 'array' ? 'an array with ' : ''}${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}${issue.type === 'array' ? ' items' : ''}, got ${given}`;
    case 'too_big':
      return `${field}: expected ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${given}`;
    case 'not_multiple_of':
      return `${field}: expected a multiple of ${issue.multipleOf}, got ${given}`;
    case 'invalid_union':
      return `${field}: expected one of the allowed forms, got ${given}`;
    default:
      return `${field}: ${issue.message}, got ${given}`;
  }
}

/** Parses and fills defaults, or throws a ConfigError naming each bad field, what was expected and what was given. */
export function parseExperimentConfig(input: unknown): ExperimentConfig {
  const result = ExperimentConfig.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, input)));
}

/** Teacher training settings: the run's `train`, overridden field by field by `teacher.train`. */
export function teacherTrainConfig(config: ExperimentConfig): TrainConfig {
  return TrainConfig.parse({ ...config.train, ...config.teacher.train });
}

// ---------- run folder records ----------
export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export interface ModelSummary {
  /** 'teacher', 'student', 'student-scratch', … */
  role: string;
  arch: string;
  params: number;
  bytes: number;
  bestValAccuracy: number;
  bestEpoch: number;
  lastValAccuracy: number;
  lastValTop5?: number;
  /** Mean milliseconds for one sample's forward pass at batch 1. */
  latencyMs: number;
  wallTimeSec: number;
  /** Teacher params / this model's params (students only). */
  compression?: number;
  /** Validation agreement of this student's top-1 with the teacher's (students only). */
  agreement?: number;
}

export interface RunSummary {
  experiment: string;
  method: MethodName;
  dataset: string;
  backend: string;
  seed: number;
  wallTimeSec: number;
  models: ModelSummary[];
}

export interface RunRecord {
  id: string;
  experiment: string;
  status: RunStatus;
  method: MethodName;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  backend?: string;
  pid?: number;
  versions?: Record<string, string>;
  error?: { message: string; stack?: string };
}

// ---------- host ⇄ trainer messages ----------
export type HostToTrainer =
  | { type: 'start'; config: unknown; runDir: string; baseDir?: string }
  | { type: 'cancel' };

export interface EpochMetrics {
  /** The model being trained in this phase. */
  phase: string;
  epoch: number;
  epochs: number;
  /** Mean of every loss term over the epoch, including `total`. */
  losses: Record<string, number>;
  /** Accuracy per model role (the trained one, and the teacher for reference). */
  trainAccuracy: Record<string, number>;
  valAccuracy: Record<string, number>;
  valTop5?: Record<string, number>;
  /** Top-1 agreement with the teacher on validation, and KL(teacher‖student) there. */
  agreement?: number;
  valKl?: number;
  learningRate: number;
  seconds: number;
}

export interface PredictionSample {
  index: number;
  label: number;
  /** Pixels in [0,1], row-major HWC; absent for tabular data. */
  image?: { width: number; height: number; channels: number; pixels: number[] };
  logits: Record<string, number[]>;
}

export type TrainerEvent =
  | { type: 'started'; runId: string; backend: string; config: ExperimentConfig; phases: string[] }
  | { type: 'progress'; phase: string; epoch: number; epochs: number; step: number; steps: number; losses: Record<string, number> }
  | ({ type: 'epoch' } & EpochMetrics)
  | { type: 'predictions'; phase: string; epoch: number; classNames: string[]; samples: PredictionSample[] }
  | { type: 'checkpoint'; phase: string; epoch: number; kind: 'best' | 'last'; path: string }
  | { type: 'finished'; summary: RunSummary }
  | { type: 'cancelled'; phase?: string }
  | { type: 'failed'; message: string; stack?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
