// Messages between the extension host and the trainer process, as zod schemas: each end parses
// what it receives (parseHostMessage in the trainer, parseTrainerEvent in the host), so a
// malformed message is reported and dropped instead of acted upon.
import { z } from 'zod';
import { ExperimentConfig } from './config';
import { JsonNumber, RunSummary } from './records';

export const HostToTrainer = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    /** Parsed by the engine (parseExperimentConfig), so a bad config is a failed run naming the field. */
    config: z.unknown(),
    runDir: z.string().min(1),
    /** Relative dataset and checkpoint paths resolve against it. */
    baseDir: z.string().min(1).optional(),
  }),
  z.object({ type: z.literal('cancel') }),
]);
export type HostToTrainer = z.infer<typeof HostToTrainer>;

const Numbers = z.record(JsonNumber);

export const EpochMetrics = z.object({
  /** The model being trained in this phase. */
  phase: z.string(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  /** Mean of every loss term over the epoch, including `total`. */
  losses: Numbers,
  /** Accuracy per model role (the trained one, and the teacher for reference). */
  trainAccuracy: Numbers,
  valAccuracy: Numbers,
  valTop5: Numbers.optional(),
  /** Top-1 agreement with the teacher on validation, and KL(teacher‖student) there. */
  agreement: JsonNumber.optional(),
  valKl: JsonNumber.optional(),
  learningRate: JsonNumber,
  seconds: JsonNumber,
});
export type EpochMetrics = z.infer<typeof EpochMetrics>;

export const SampleImage = z.object({ width: z.number().int(), height: z.number().int(), channels: z.number().int(), pixels: z.array(z.number()) });
export type SampleImage = z.infer<typeof SampleImage>;

/** A text prediction sample carries at most this many characters of its message (plus an ellipsis when cut). */
export const PREDICTION_TEXT_CHARS = 400;

/** One fixed validation sample's input, sent once per run (`predictionInputs`); predictions name it by `index`. */
export const PredictionInput = z.object({
  index: z.number().int(),
  label: z.number().int(),
  /** Pixels in [0,1], row-major HWC; absent for tabular and text data. */
  image: SampleImage.optional(),
  /** Text data: the message's first PREDICTION_TEXT_CHARS characters, plain text (the webview writes it as text, never as HTML). */
  text: z
    .string()
    .max(PREDICTION_TEXT_CHARS + 1)
    .optional(),
  /** Text data: the WordPiece tokens the model reads, the non-padded positions in order ([CLS] first, [SEP] last; [UNK] where the vocabulary lacks one). */
  tokens: z.array(z.string()).optional(),
});
export type PredictionInput = z.infer<typeof PredictionInput>;

export const PredictionSample = z.object({
  /** The validation index: its input is the `predictionInputs` sample of that index. */
  index: z.number().int(),
  label: z.number().int(),
  /** Only in runs written before inputs were sent once per run: the pixels, in every epoch's event. */
  image: SampleImage.optional(),
  logits: z.record(z.array(JsonNumber)),
});
export type PredictionSample = z.infer<typeof PredictionSample>;

/**
 * One point of the curves within an epoch: the means over the steps since the previous point
 * (weighted by batch size), reported after `step` of the epoch's `steps`; at x = epoch − 1 + step / steps
 * in fractional epochs. Values to 6 significant digits.
 */
export const StepPoint = z.object({
  step: z.number().int(),
  /** Every loss term and `total`. */
  losses: Numbers,
  /** Training top-1 accuracy of the trained model on those steps' batches. */
  accuracy: JsonNumber,
});
export type StepPoint = z.infer<typeof StepPoint>;

export const TrainerEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), runId: z.string(), backend: z.string(), config: ExperimentConfig, phases: z.array(z.string()) }),
  z.object({ type: z.literal('progress'), phase: z.string(), epoch: z.number().int(), epochs: z.number().int(), step: z.number().int(), steps: z.number().int(), losses: Numbers }),
  EpochMetrics.extend({ type: z.literal('epoch') }),
  /** Points within an epoch, a batch of them at a time (at most ~10 events a second per model). */
  z.object({ type: z.literal('steps'), phase: z.string(), epoch: z.number().int(), epochs: z.number().int(), steps: z.number().int(), points: z.array(StepPoint) }),
  /** The inputs of the fixed prediction samples, once per run before the first `predictions`. */
  z.object({ type: z.literal('predictionInputs'), samples: z.array(PredictionInput) }),
  z.object({ type: z.literal('predictions'), phase: z.string(), epoch: z.number().int(), classNames: z.array(z.string()), samples: z.array(PredictionSample) }),
  z.object({ type: z.literal('checkpoint'), phase: z.string(), epoch: z.number().int(), kind: z.enum(['best', 'last']), path: z.string() }),
  z.object({ type: z.literal('finished'), summary: RunSummary }),
  z.object({ type: z.literal('cancelled'), phase: z.string().optional() }),
  z.object({ type: z.literal('failed'), message: z.string(), stack: z.string().optional() }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
]);
export type TrainerEvent = z.infer<typeof TrainerEvent>;

export type Received<T> = { ok: true; message: T } | { ok: false; problem: string };

function receive<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, raw: unknown, what: string): Received<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const type = raw !== null && typeof raw === 'object' && 'type' in raw ? ` "${String((raw as { type: unknown }).type)}"` : '';
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
  return { ok: false, problem: `malformed ${what}${type}: ${issues}` };
}

/** What the trainer does with a message from the host. */
export function parseHostMessage(raw: unknown): Received<HostToTrainer> {
  return receive(HostToTrainer, raw, 'message from the host');
}

/** What the host does with a message from the trainer. */
export function parseTrainerEvent(raw: unknown): Received<TrainerEvent> {
  return receive(TrainerEvent, raw, 'event from the trainer');
}
