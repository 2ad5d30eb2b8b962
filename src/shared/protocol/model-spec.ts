// An architecture of the model zoo (DESIGN §3), as the config names it.
import { z } from 'zod';

/** Upper bounds of a layer's size, so a typo (`hidden: [1e9]`) is a config error, not an out-of-memory crash. */
export const MAX_UNITS = 16_384;
export const MAX_CHANNELS = 4096;
export const MAX_LAYERS = 16;

export const ModelSpec = z.discriminatedUnion('arch', [
  z.object({ arch: z.literal('mlp'), hidden: z.array(z.number().int().positive().max(MAX_UNITS)).min(1).max(MAX_LAYERS).default([256, 256]) }).strict(),
  z
    .object({
      arch: z.literal('cnn'),
      widths: z.array(z.number().int().positive().max(MAX_CHANNELS)).min(1).max(MAX_LAYERS).default([32, 64]),
      /** Units of a dense layer on the flattened last block (the embedding); 0 = global average pooling. */
      dense: z.number().int().min(0).max(MAX_UNITS).default(0),
    })
    .strict(),
  z
    .object({
      arch: z.literal('resnet'),
      depth: z.union([z.literal(8), z.literal(14), z.literal(20), z.literal(32), z.literal(56)]).default(8),
      widthMultiplier: z.number().int().positive().max(16).default(1),
    })
    .strict(),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;
export type ModelSpecInput = z.input<typeof ModelSpec>;
