// The experiment config: zod schemas with each method's defaults (every default names its source).
import { z } from 'zod';
import { ConfigError, describeIssue } from './config-errors';

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
  z
    .object({
      arch: z.literal('cnn'),
      widths: z.array(z.number().int().positive()).min(1).default([32, 64]),
      /** Units of a dense layer on the flattened last block (the embedding); 0 = global average pooling. */
      dense: z.number().int().min(0).default(0),
    })
    .strict(),
  z
    .object({
      arch: z.literal('resnet'),
      depth: z.union([z.literal(8), z.literal(14), z.literal(20), z.literal(32), z.literal(56)]).default(8),
      widthMultiplier: z.number().int().positive().default(1),
    })
    .strict(),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;
export type ModelSpecInput = z.input<typeof ModelSpec>;

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

/**
 * The KD term any feature method may add (RepDistiller's tables list CRD+KD, SRRL+KD):
 * kdWeight·T²·KL(p_t‖p_s). RepDistiller runs feature methods with `-a 0` (off) and its +KD rows
 * with `-a 1`; T=4 is RepDistiller's `--kd_T`.
 */
const withKd = {
  kdWeight: z.number().min(0).default(0),
  temperature: z.number().gt(0).default(4),
};

/** Layer maps of multi-layer methods: PKD-Skip spreads the student's blocks over the teacher's, PKD-Last takes the teacher's last ones. */
export const LayerStrategy = z.enum(['skip', 'last']);
export type LayerStrategy = z.infer<typeof LayerStrategy>;

export const SadMapFunction = z.enum(['sum', 'sum-p', 'max-p']);

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
  /**
   * KD from an ensemble (TextBrewer `MultiTeacherDistiller`): p_t is the weighted mean of the
   * teachers' probabilities at T. The teachers are `teacher` (trained or its checkpoint), then
   * `teachers` (trained here), then `checkpoints` (loaded).
   */
  z
    .object({
      name: z.literal('multi-teacher'),
      /** One more teacher by default, an MLP beside the default CNN teacher, so the ensemble is diverse. */
      teachers: z.array(ModelSpec).default([{ arch: 'mlp', hidden: [256, 256] }]),
      checkpoints: z.array(z.string().min(1)).default([]),
      /** One weight per teacher, in the order above; TextBrewer weighs teachers equally when none are given. */
      weights: z.array(z.number().min(0)).min(1).optional(),
      /** As KD (RepDistiller T=4, alpha 0.9). */
      temperature: z.number().gt(0).default(4),
      alpha: z.number().min(0).max(1).default(0.9),
    })
    .strict(),
  /**
   * Born-Again Networks (Furlanello et al. 2018): generation g learns from generation g−1 (the
   * first from the teacher) by KD; every generation and their ensemble (mean of probabilities)
   * are evaluated.
   */
  z
    .object({
      name: z.literal('born-again'),
      /** The paper reports sequences of 3 generations (DESIGN §4). */
      generations: z.number().int().min(1).max(10).default(3),
      /** Architecture of every generation; by default the teacher's (the aim is an ensemble, not compression). */
      model: ModelSpec.optional(),
      /** KD as DESIGN §4 says "with KD": RepDistiller T=4, alpha 0.9 (the paper's pure form is T=1, alpha 1). */
      temperature: z.number().gt(0).default(4),
      alpha: z.number().min(0).max(1).default(0.9),
    })
    .strict(),
  /**
   * Deep Mutual Learning (Zhang et al. 2018): K peers, each CE + mean KL(p_j‖p_i) to the others
   * at T=1 with their probabilities held constant.
   */
  z
    .object({
      name: z.literal('dml'),
      /** The paper's main setting: two peers. */
      peers: z.number().int().min(2).max(8).default(2),
      /** One architecture per peer; by default every peer is the student's. */
      models: z.array(ModelSpec).min(2).optional(),
      /**
       * 'alternating': the paper's Algorithm 1, peers updated in turn within a step, each against
       * the others' freshly recomputed predictions; 'simultaneous': every peer from one forward
       * pass, as the authors' released code does.
       */
      update: z.enum(['alternating', 'simultaneous']).default('alternating'),
    })
    .strict(),
  /** FitNets (Romero et al. 2015): CE + β·MSE(r(f_s), f_t) on a hint layer, r a regressor (RepDistiller `FitNet.py`, `ConvReg`). */
  z
    .object({
      name: z.literal('fitnet'),
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
      ...withKd,
    })
    .strict(),
  /** Patient KD (Sun et al. 2019, PKD-BERT `KD_loss.py`): (1−α)CE + αT²KL + β·Σ_l MSE(n(h_s^l), n(h_t^m(l))). */
  z
    .object({
      name: z.literal('pkd'),
      /** PKD's grid best: alpha 0.7, beta 500. */
      alpha: z.number().min(0).max(1).default(0.7),
      beta: z.number().min(0).default(500),
      /** PKD uses T=10 for BERT; 4 suits small nets (DESIGN §4). */
      temperature: z.number().gt(0).default(4),
      /** PKD-Skip, the paper's better map. */
      strategy: LayerStrategy.default('skip'),
      /** Student blocks (0-based) matched; by default every block but the last (which KD covers), or the last when there is one block. */
      studentLayers: z.array(z.number().int().min(0)).min(1).optional(),
    })
    .strict(),
  /**
   * TinyBERT (Jiao et al. 2020, `task_distill.py`): stage 1 matches the first block's output
   * (the "embedding") and the mapped hidden blocks through learned projections W; stage 2 is
   * prediction-layer distillation with soft cross-entropy.
   */
  z
    .object({
      name: z.literal('tinybert'),
      /** `task_distill.py --temperature 1`. */
      temperature: z.number().gt(0).default(1),
      /** Epochs of the intermediate stage; by default `train.epochs`. */
      intermediateEpochs: z.number().int().positive().optional(),
    })
    .strict(),
  /** DistilBERT (Sanh et al. 2019, `distiller.py`): α_ce·T²·KL + α_cos·(1 − cos(h_s, h_t)) + α_hard·CE on the last hidden representation. */
  z
    .object({
      name: z.literal('distilbert'),
      /** DistilBERT's README run: --temperature 2 --alpha_ce 5.0 --alpha_cos 1.0 --alpha_mlm 2.0 (the hard-label term). */
      temperature: z.number().gt(0).default(2),
      alphaCe: z.number().min(0).default(5),
      alphaCos: z.number().min(0).default(1),
      alphaHard: z.number().min(0).default(2),
    })
    .strict(),
  /** Attention transfer (Zagoruyko & Komodakis 2017, RepDistiller `AT.py`): CE + β·Σ_j mean((a(A_s^j) − a(A_t^j))²). */
  z
    .object({
      name: z.literal('at'),
      /** RepDistiller: `-b 1000`, p = 2. */
      beta: z.number().min(0).default(1000),
      p: z.number().gt(0).default(2),
      ...withKd,
    })
    .strict(),
  /** Self attention distillation (Hou et al. 2019, ENet-SAD): block m of the student mimics block m+1. */
  z
    .object({
      name: z.literal('sad'),
      /** ENet-SAD: loss weight 0.1, G = Σ|A|², switched on at 40% of training. */
      weight: z.number().min(0).default(0.1),
      fn: SadMapFunction.default('sum-p'),
      p: z.number().gt(0).default(2),
      /** Fraction of the epochs before SAD switches on. */
      warmup: z.number().min(0).max(1).default(0.4),
      // A teacher is trained only when kdWeight is above 0.
      ...withKd,
    })
    .strict(),
  /** Contrastive representation distillation (Tian et al. 2020, RepDistiller `crd/`). */
  z
    .object({
      name: z.literal('crd'),
      /** RepDistiller's CRD runs: `-b 0.8`, feat_dim 128, nce_k 16384, nce_t 0.07, nce_m 0.5. */
      beta: z.number().min(0).default(0.8),
      featDim: z.number().int().positive().default(128),
      /** Negatives per sample; capped at (training samples − 1). */
      nceK: z.number().int().positive().default(16384),
      nceT: z.number().gt(0).default(0.07),
      nceMomentum: z.number().min(0).lt(1).default(0.5),
      ...withKd,
    })
    .strict(),
  /** SRRL (Yang et al. 2021, KD_SRRL `AIN.py`, SimKD's `SRRL`): CE + α·MSE(c(f_s), f_t) + β·SR through the teacher's frozen head. */
  z
    .object({
      name: z.literal('srrl'),
      /** SRRL: alpha 1, beta 1, L2 softmax regression (the paper found it slightly better than CE). */
      alpha: z.number().min(0).default(1),
      beta: z.number().min(0).default(1),
      sr: z.enum(['l2', 'ce']).default('l2'),
      ...withKd,
    })
    .strict(),
  /** Decoupled KD (Zhao et al. 2022, mdistiller `DKD.py`): CE + warm-up·(α·TCKD + β·NCKD). */
  z
    .object({
      name: z.literal('dkd'),
      /** mdistiller CIFAR config: CE_WEIGHT 1, ALPHA 1, BETA 8, T 4, WARMUP 20. */
      ceWeight: z.number().min(0).default(1),
      alpha: z.number().min(0).default(1),
      beta: z.number().min(0).default(8),
      temperature: z.number().gt(0).default(4),
      /** The DKD term is scaled by min(epoch/warmupEpochs, 1), epochs counted from 1; 0 disables the warm-up. */
      warmupEpochs: z.number().int().min(0).default(20),
    })
    .strict(),
]);
export type MethodConfig = z.infer<typeof MethodConfig>;
export type MethodName = MethodConfig['name'];
/** The config of one method, by name. */
export type MethodOf<N extends MethodName> = Extract<MethodConfig, { name: N }>;

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

