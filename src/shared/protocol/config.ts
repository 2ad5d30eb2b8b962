// The experiment config as zod schemas, every default naming its source; each method's part is in src/shared/methods/.
import { z } from 'zod';
import { ConfigError, describeIssue, nonFiniteProblems } from './config-errors';
import { RecipeName, withRecipe } from './recipes';
import { BUILTIN_DATASET, DatasetSpec } from './dataset-spec';
import { ModelSpec } from './model-spec';
import { MethodConfig } from '../methods';
import { modelKindProblems, withTextModelDefaults } from './model-kinds';

export * from './dataset-spec';
export * from './model-spec';
export { runStartModelProblems, TEXT_MODEL_DEFAULTS, textMethodDefaults } from './model-kinds';

// ---------- data ----------
export const DataConfig = z
  .object({
    dataset: DatasetSpec.default({ kind: 'builtin', name: BUILTIN_DATASET }),
    /** Fraction of the training split held out for validation, which alone chooses the best checkpoint. */
    validationSplit: z.number().gt(0).lt(1).default(0.1),
    /** Fraction of the data held out for test when the dataset has no test split of its own. */
    testSplit: z.number().gt(0).lt(1).default(0.1),
    /** Seed of the hold-outs and limits, apart from the run's `seed`: changing the seed never changes the split. */
    splitSeed: z.number().int().nonnegative().default(0),
    /** Use at most this many training / validation / test samples (quick runs). */
    limitTrain: z.number().int().positive().optional(),
    limitValidation: z.number().int().positive().optional(),
    limitTest: z.number().int().positive().optional(),
  })
  .strict();
export type DataConfig = z.infer<typeof DataConfig>;

// ---------- optimisation ----------
/** Upper bounds that catch a slip of the keyboard (`epochs: 1e9`) long before a run would. */
export const MAX_EPOCHS = 10_000;
export const MAX_BATCH_SIZE = 8192;
/** Threads per run (train.threads): far more than any machine this runs on has cores. */
export const MAX_THREADS = 64;

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
      milestones: z.array(z.number().int().positive().max(MAX_EPOCHS)).min(1),
      gamma: z.number().gt(0).lte(1).default(0.1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('relative-step'),
      /** Fractions of the run after which the rate is multiplied by gamma: RepDistiller's 150/180/210 of 240 epochs are 0.625/0.75/0.875. */
      at: z.array(z.number().gt(0).lt(1)).min(1).default([0.625, 0.75, 0.875]),
      gamma: z.number().gt(0).lte(1).default(0.1),
    })
    .strict(),
  z.object({ kind: z.literal('cosine'), minLearningRate: z.number().min(0).default(0) }).strict(),
]);

/** Image augmentation in the loop (RepDistiller's CIFAR transform: RandomCrop(32, padding=4) + RandomHorizontalFlip). */
export const AugmentConfig = z
  .object({
    cropPadding: z.number().int().min(0).max(64).default(4),
    horizontalFlip: z.boolean().default(true),
  })
  .strict();
export type AugmentConfig = z.infer<typeof AugmentConfig>;

export const TrainConfig = z
  .object({
    epochs: z.number().int().positive().max(MAX_EPOCHS).default(5),
    batchSize: z.number().int().positive().max(MAX_BATCH_SIZE).default(64),
    optimizer: OptimizerConfig.default({ kind: 'adam' }),
    learningRate: z.number().gt(0).default(1e-3),
    schedule: ScheduleConfig.default({ kind: 'constant' }),
    weightDecay: z.number().min(0).default(0),
    /** Absent: no augmentation (the quick recipe); with augmentation a teacher's logits are computed on each augmented batch. */
    augment: AugmentConfig.optional(),
    /** Stop after this many steps per epoch (quick runs and tests). */
    maxStepsPerEpoch: z.number().int().positive().max(1_000_000).optional(),
    /**
     * Threads that train this run together (data parallel: each a replica and a share of every
     * batch, gradients averaged); absent or 1: one thread. Deterministic for a given seed and count.
     */
    threads: z.number().int().positive().max(MAX_THREADS).optional(),
  })
  .strict();
export type TrainConfig = z.infer<typeof TrainConfig>;

// ---------- methods ----------
// Each method's schema lives with the rest of its description, in src/shared/methods/.
export { LayerStrategy, MethodConfig, SadMapFunction, type MethodName, type MethodOf } from '../methods';

export const BackendName = z.enum(['auto', 'tfjs-node', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

export const ExperimentName = z
  .string()
  .min(1)
  .max(100)
  .refine((name) => name !== '.' && name !== '..' && ![...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 32), {
    message: "expected one folder name (no '/', '\\', control characters, and not '.' or '..')",
  });

export const ExperimentConfig = z
  .object({
    /** The run's folder is `<runs>/<name>/run-…`, so the name is one folder name: no separators, not `.` or `..`. */
    name: ExperimentName.default('experiment'),
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
    student: z
      .object({ model: ModelSpec.default({ arch: 'mlp', hidden: [64] }) })
      .strict()
      .default({}),
    method: MethodConfig.default({ name: 'kd' }),
    /** Also train the student from scratch with the same schedule, as the baseline. */
    baseline: z.boolean().default(true),
    /** Fills the `train` fields left out (see recipes.ts); a given field wins. */
    recipe: RecipeName.default('quick'),
    train: TrainConfig.default({}),
    seed: z.number().int().nonnegative().default(42),
    backend: BackendName.default('auto'),
    /** How many fixed validation samples are sent with each `predictions` event. */
    predictionSamples: z.number().int().min(0).max(64).default(12),
  })
  .strict();
export type ExperimentConfig = z.infer<typeof ExperimentConfig>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfig>;

/**
 * Parses and fills defaults (a text data set's models default to transformers), or throws a
 * ConfigError naming each bad field, what was expected and what was given — including fields
 * that do not fit together (model-kinds.ts): a transformer on images, AT on a transformer.
 */
export function parseExperimentConfig(input: unknown): ExperimentConfig {
  const result = ExperimentConfig.safeParse(withRecipe(withTextModelDefaults(input)));
  // zod 3's z.number() takes Infinity (JSON's 1e999): every number of a config must be finite.
  const nonFinite = nonFiniteProblems(input, result.success ? [] : result.error.issues.map((issue) => issue.path));
  // Across fields only once each field is itself valid, so a problem is said once.
  const across = result.success && nonFinite.length === 0 ? modelKindProblems(result.data) : [];
  if (result.success && nonFinite.length === 0 && across.length === 0) return result.data;
  throw new ConfigError([...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, input))), ...nonFinite, ...across]);
}

/** Teacher training settings: the run's `train`, overridden field by field by `teacher.train`. */
export function teacherTrainConfig(config: ExperimentConfig): TrainConfig {
  return TrainConfig.parse({ ...config.train, ...config.teacher.train });
}
