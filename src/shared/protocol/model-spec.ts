// An architecture of the model zoo (DESIGN §3), as the config names it.
import { z } from 'zod';

/** Upper bounds of a layer's size, so a typo (`hidden: [1e9]`) is a config error, not an out-of-memory crash. */
export const MAX_UNITS = 16_384;
export const MAX_CHANNELS = 4096;
export const MAX_LAYERS = 16;
export const MAX_HEADS = 64;
export const MAX_SEQUENCE = 2048;

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
  /**
   * BERT-style encoder (models/transformer.ts) over token ids; the vocabulary size comes from the
   * text data set. `hidden` must be a multiple of `heads` (checked by transformerSpecError, since a
   * discriminated union's variants cannot carry cross-field refinements).
   */
  z
    .object({
      arch: z.literal('transformer'),
      layers: z.number().int().positive().max(MAX_LAYERS).default(4),
      hidden: z.number().int().positive().max(MAX_CHANNELS).default(128),
      heads: z.number().int().positive().max(MAX_HEADS).default(4),
      /** Units of the feed-forward layer; when not given 4 × hidden, as BERT. */
      intermediate: z.number().int().positive().max(MAX_UNITS).optional(),
      /** Rows of the position table: the longest sequence the model takes (the data's maxLength must not exceed it). */
      maxLength: z.number().int().min(2).max(MAX_SEQUENCE).default(128),
      /** BERT's hidden and attention-probability dropout. */
      dropout: z.number().min(0).max(0.9).default(0.1),
    })
    .strict(),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;
export type ModelSpecInput = z.input<typeof ModelSpec>;

export type TransformerSpec = Extract<ModelSpec, { arch: 'transformer' }>;

/** The feed-forward width of a transformer: as given, else 4 × hidden (BERT). */
export function intermediateSize(spec: TransformerSpec): number {
  return spec.intermediate ?? 4 * spec.hidden;
}

/** What is wrong with a transformer spec beyond its fields' own bounds (hidden not a multiple of heads), or undefined. */
export function transformerSpecError(spec: TransformerSpec): string | undefined {
  if (spec.hidden % spec.heads !== 0) {
    return `hidden: expected a multiple of heads (${spec.heads}) so that every head gets hidden / heads dimensions, got ${spec.hidden}`;
  }
  return undefined;
}
