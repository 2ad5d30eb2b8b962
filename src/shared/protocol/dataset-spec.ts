// Where a run's images come from: the built-in subset or a data set on disk, by format.
import { z } from 'zod';

export const BUILTIN_DATASET = 'fashion-mnist-small';
/** The built-in text set: SpamAssassin's public corpus as ham, hard ham and spam (data/spamassassin). */
export const BUILTIN_TEXT_DATASET = 'spamassassin';
export const BUILTIN_DATASETS = [BUILTIN_DATASET, BUILTIN_TEXT_DATASET] as const;

/** Tokens a text row holds, [CLS] and [SEP] included: longer texts are truncated; 512 is BERT's limit. */
export const MAX_TEXT_LENGTH = 512;
export const DEFAULT_TEXT_LENGTH = 128;
const MaxLength = z.number().int().min(3).max(MAX_TEXT_LENGTH);
/** A token the training split holds fewer times than this reads as UNK, so the embedding table keeps only ids it can learn (default 1: every id seen). */
const MinTokenCount = z.number().int().min(1).max(1_000_000).optional();

/** Whether the spec describes text (token rows) rather than images or features. */
export function isTextDataset(spec: { kind: string; name?: string }): boolean {
  return spec.kind === 'text' || (spec.kind === 'builtin' && spec.name === BUILTIN_TEXT_DATASET);
}

/** The six files of the CIFAR-10 binary version. */
export const CIFAR10_BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'] as const;

/** Largest width or height an image folder's images are resized to. */
export const MAX_IMAGE_SIDE = 1024;

export const DatasetSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('builtin'),
    name: z.enum(BUILTIN_DATASETS).default(BUILTIN_DATASET),
    /** Text sets only (default 128). */
    maxLength: MaxLength.optional(),
    /** Text sets only (default 1). */
    minTokenCount: MinTokenCount,
  }),
  z.object({
    kind: z.literal('idx'),
    trainImages: z.string().min(1),
    trainLabels: z.string().min(1),
    testImages: z.string().min(1).optional(),
    testLabels: z.string().min(1).optional(),
    classNames: z.array(z.string()).optional(),
  }),
  z.object({
    kind: z.literal('cifar10'),
    dir: z.string().min(1),
    /** The batches to use (`.bin` files of `dir`); absent: all six, and a missing one is an error. */
    batches: z.array(z.enum(CIFAR10_BATCHES)).min(1).optional(),
  }),
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
    width: z.number().int().positive().max(MAX_IMAGE_SIDE).default(32),
    height: z.number().int().positive().max(MAX_IMAGE_SIDE).default(32),
    grayscale: z.boolean().default(false),
  }),
  /** Labelled text: CSV or TSV with a header row, or JSON Lines (by extension, optionally .gz), tokenised by BERT's uncased WordPiece. */
  z.object({
    kind: z.literal('text'),
    train: z.string().min(1),
    test: z.string().min(1).optional(),
    textField: z.string().min(1).default('text'),
    labelField: z.string().min(1).default('label'),
    maxLength: MaxLength.default(DEFAULT_TEXT_LENGTH),
    minTokenCount: MinTokenCount,
  }),
]);
export type DatasetSpec = z.infer<typeof DatasetSpec>;
