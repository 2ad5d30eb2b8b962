// One validation sample's attention maps, teacher's and student's, as the attention view draws them:
// what `distill-lab attention` writes (cached in the run's knowledge folder), what the host sends the
// webview for a stored sample too (a slice of the run's attention files), and the check both sides
// make before using one. Maps: float32 little-endian, base64, layers × heads × n × n (query rows, key
// columns) — a model's attention file's layout (knowledge-files.ts attentionOffset) for one sample.
import { z } from 'zod';
import { ATTENTION_TOKEN_LIMIT, checkProbabilities, decodeArray, fromBase64 } from './knowledge-files';

export const AttentionSamplePayload = z.object({
  /** The sample's validation index. */
  sample: z.number().int().nonnegative(),
  /** Its first n non-padded tokens ([CLS] … [SEP]), the maps' axis labels; n = tokens.length. */
  tokens: z.array(z.string()).min(1).max(ATTENTION_TOKEN_LIMIT),
  /** Each transformer of the run, at the checkpoint its knowledge files come from. */
  models: z.array(
    z.object({
      role: z.string().min(1),
      /** The best validation epoch (0: a teacher evaluated, not trained, in the run). */
      epoch: z.number().int().nonnegative(),
      layers: z.number().int().positive(),
      heads: z.number().int().positive(),
      values: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
    }),
  ),
});
export type AttentionSamplePayload = z.infer<typeof AttentionSamplePayload>;

export interface AttentionSampleMaps {
  sample: number;
  tokens: string[];
  models: { role: string; epoch: number; layers: number; heads: number; values: Float32Array }[];
}

/** The check of a requested sample against the run's validation count, with the same words wherever it is made. */
export function checkSampleInRange(sample: number, count: number): void {
  if (!Number.isInteger(sample) || sample < 0 || sample >= count) {
    throw new Error(`sample ${sample} is out of range: this run has ${count} validation samples, expected 0 … ${count - 1}`);
  }
}

/** Where the map of `layer`, `head` starts in a model's values for one sample of n tokens. */
export function sampleMapOffset(n: number, heads: number, layer: number, head: number): number {
  return (layer * heads + head) * n * n;
}

/**
 * The payload checked (schema, each model's value count, probabilities in [0, 1]) and decoded; an
 * error names `source` (a file, or the message) and what was expected.
 */
export function decodeAttentionSample(raw: unknown, source: string): AttentionSampleMaps {
  const parsed = AttentionSamplePayload.safeParse(raw);
  if (!parsed.success) throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  const { sample, tokens, models } = parsed.data;
  const n = tokens.length;
  return {
    sample,
    tokens,
    models: models.map((m) => {
      const where = `${source}: ${m.role}'s maps`;
      const values = checkProbabilities(decodeArray(fromBase64(m.values), 'float32', m.layers * m.heads * n * n, where), where);
      return { role: m.role, epoch: m.epoch, layers: m.layers, heads: m.heads, values };
    }),
  };
}
