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

export const RunSummary = z.object({
  experiment: z.string(),
  method: MethodNameSchema,
  dataset: z.string(),
  backend: z.string(),
  seed: z.number(),
  wallTimeSec: JsonNumber,
  models: z.array(ModelSummary),
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
