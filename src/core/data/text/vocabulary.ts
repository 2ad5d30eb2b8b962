// A compact vocabulary: the embedding table holds only the ids a model trains on, so small models stay small.
import { BERT_CLS, BERT_PAD, BERT_SEP, BERT_UNK } from './wordpiece';

/** The special tokens' ids in every compact vocabulary: PAD is 0, so a model's padding mask is id ≠ 0. */
export const PAD = 0;
export const UNK = 1;
export const CLS = 2;
export const SEP = 3;

/** [PAD, UNK, CLS, SEP] in bert-base-uncased's vocabulary. */
export const BERT_SPECIALS = [BERT_PAD, BERT_UNK, BERT_CLS, BERT_SEP] as const;

export interface Vocabulary {
  /** Compact id → token string. */
  tokens: string[];
  /** Old id → compact id, −1 where the old id was not seen. */
  map: Int32Array;
}

/**
 * The ids that occur in `seen` (rows of ids as floats) at least `minCount` times, made compact: the four specials first
 * (`specials` gives their old ids in the order PAD, UNK, CLS, SEP), then every other such id in increasing old id.
 */
export function compactVocabulary(seen: Float32Array, oldTokens: readonly string[], specials: readonly number[], minCount = 1): Vocabulary {
  const map = new Int32Array(oldTokens.length).fill(-1);
  const counts = new Uint32Array(oldTokens.length);
  for (let i = 0; i < seen.length; i++) counts[seen[i]]++;
  const tokens: string[] = [];
  for (const old of specials) {
    map[old] = tokens.length;
    tokens.push(oldTokens[old]);
  }
  for (let old = 0; old < oldTokens.length; old++) {
    if (counts[old] >= minCount && map[old] < 0) {
      map[old] = tokens.length;
      tokens.push(oldTokens[old]);
    }
  }
  return { tokens, map };
}

/** A copy of `x` with every id through `map`; an id the vocabulary has not seen becomes UNK. */
export function remapIds(x: Float32Array, map: Int32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const id = map[x[i]];
    out[i] = id >= 0 ? id : UNK;
  }
  return out;
}

/** The ids of one vocabulary moved into another by their token strings (a transfer set's into the training data's). */
export function mapByTokens(from: readonly string[], to: readonly string[]): Int32Array {
  const index = new Map(to.map((token, id) => [token, id]));
  return Int32Array.from(from, (token) => index.get(token) ?? UNK);
}
