// Where a run's images come from: the built-in subset or a data set on disk, by format.
import { z } from 'zod';

export const BUILTIN_DATASET = 'fashion-mnist-small';

/** The six files of the CIFAR-10 binary version. */
export const CIFAR10_BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'] as const;

/** Largest width or height an image folder's images are resized to. */
export const MAX_IMAGE_SIDE = 1024;

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
]);
export type DatasetSpec = z.infer<typeof DatasetSpec>;
