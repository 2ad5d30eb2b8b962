// What a run folder holds on disk: run.json's record and summary.json, as zod schemas. Readers
// parse the files with them (src/shared/run-folder/), so a damaged file is reported, not trusted.
import { z } from 'zod';
import { MethodConfig, type MethodName } from './config';

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

// Checked when a file is read, not when this module loads: the method list may still be loading then.
export const MethodNameSchema = z.string().refine(
  (name): name is MethodName => MethodConfig.optionsMap.has(name as MethodName),
  () => ({ message: `expected one of ${[...MethodConfig.optionsMap.keys()].map((name) => JSON.stringify(name)).join(', ')}` }),
);

/** JSON has no NaN or Infinity: JSON.stringify writes them as null, and they are read back as NaN. */
export const JsonNumber = z
  .number()
  .or(z.null())
  .transform((value) => value ?? Number.NaN);

export const ModelSummary = z.object({
  /** 'teacher', 'student', 'student-scratch', … */
  role: z.string(),
  arch: z.string(),
  params: z.number(),
  bytes: z.number(),
  bestValAccuracy: JsonNumber,
  bestEpoch: z.number(),
  /** Epochs this model trained in its phase (absent for a model evaluated, not trained, here, and in older runs). */
  epochs: z.number().int().optional(),
  lastValAccuracy: JsonNumber,
  lastValTop5: JsonNumber.optional(),
  /** Test accuracy of the best-validation weights: the headline figure (absent in runs made before test was kept apart). */
  testAccuracy: JsonNumber.optional(),
  /** Test accuracy of the last epoch's weights. */
  testAccuracyLast: JsonNumber.optional(),
  /** Mean milliseconds for one sample's forward pass at batch 1. */
  latencyMs: JsonNumber,
  wallTimeSec: JsonNumber,
  /** Teacher params / this model's params (students only). */
  compression: JsonNumber.optional(),
  /** Validation agreement of this student's top-1 with the teacher's (students only). */
  agreement: JsonNumber.optional(),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

/**
 * A path inside the run folder (relative, forward slashes, no `..`): where the knowledge files
 * are. Readers refuse anything else, so a summary edited by hand cannot point outside the run.
 */
const RunFilePath = z
  .string()
  .max(300)
  .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'expected a relative path inside the run folder')
  .refine((path) => !path.split('/').some((part) => part === '..' || part === '.'), 'expected a relative path inside the run folder');

/**
 * What the trainer stores at the end of a run for the dashboard's knowledge views (dark
 * knowledge, entropy, calibration, confusions, representations): per model, its validation
 * logits at the best checkpoint, and its embeddings of a fixed, seeded sample of validation
 * inputs. Binary files, little-endian: logits and embeddings float32, indices and labels int32,
 * inputs uint8 (pixel × 255).
 */
export const KnowledgeIndex = z.object({
  /** Validation samples and classes: every logits file is count × classes float32. */
  count: z.number().int().nonnegative(),
  classes: z.number().int().positive(),
  classNames: z.array(z.string()),
  /** int32 × count: the validation labels. */
  labels: RunFilePath,
  /** The validation indices whose embeddings are stored (int32 × count), drawn with `seed`. */
  embeddingSample: z.object({
    file: RunFilePath,
    count: z.number().int().nonnegative(),
    seed: z.number(),
    /** Text runs: UTF-8 JSON, the sample's messages (count strings, each its start), for the projections' tooltips. */
    texts: RunFilePath.optional(),
  }),
  /** Raw inputs of some validation samples (those where the models disagree), for the views' strips. */
  inputs: z
    .object({
      indices: RunFilePath,
      pixels: RunFilePath,
      count: z.number().int().nonnegative(),
      shape: z.array(z.number().int().positive()),
    })
    .optional(),
  models: z.array(
    z.object({
      role: z.string(),
      /** The epoch whose weights gave these (the best validation epoch; 0: evaluated, not trained, here). */
      epoch: z.number().int().nonnegative(),
      logits: RunFilePath,
      embeddings: z.object({ file: RunFilePath, dim: z.number().int().positive() }).optional(),
      /**
       * A transformer's attention probabilities on the `attention` samples, float32, for each sample
       * s in order, each layer, each head: its n_s × n_s map (query rows, key columns) over the
       * sample's first n_s non-padded tokens — layers · heads · Σ n_s² values in all.
       */
      attention: z.object({ file: RunFilePath, layers: z.number().int().positive(), heads: z.number().int().positive() }).optional(),
    }),
  ),
  /** Text runs: the prediction samples whose attention maps are stored (the first few). */
  attention: z
    .object({
      /** int32 × count: their validation indices. */
      indices: RunFilePath,
      /** int32 × count: n_s, the non-padded tokens kept of each (at most the stored limit). */
      lengths: RunFilePath,
      /** UTF-8 JSON: count arrays of n_s WordPiece strings, the maps' axis labels. */
      tokens: RunFilePath,
      count: z.number().int().nonnegative(),
    })
    .optional(),
});
export type KnowledgeIndex = z.infer<typeof KnowledgeIndex>;

export const RunSummary = z.object({
  experiment: z.string(),
  method: MethodNameSchema,
  dataset: z.string(),
  backend: z.string(),
  seed: z.number(),
  wallTimeSec: JsonNumber,
  models: z.array(ModelSummary),
  /** Absent in runs made before it existed, and in runs that ended before it was written. */
  knowledge: KnowledgeIndex.optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunRecord = z.object({
  id: z.string(),
  experiment: z.string(),
  status: RunStatus,
  /** Absent only when the run's config was rejected before anything could be queued. */
  method: MethodNameSchema.optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  backend: z.string().optional(),
  /** The process that owns the run now (the host that queued it, then the trainer), on `host`. */
  pid: z.number().int().optional(),
  /** os.hostname() of that process: a pid means nothing on another machine. */
  host: z.string().optional(),
  versions: z.record(z.string()).optional(),
  error: z.object({ message: z.string(), stack: z.string().optional() }).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;
