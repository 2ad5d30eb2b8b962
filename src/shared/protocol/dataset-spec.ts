// Where a run's images come from: the built-in subset or a data set on disk, by format.
import { z } from 'zod';

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
