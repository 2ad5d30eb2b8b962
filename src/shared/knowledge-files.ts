// The knowledge files of a run folder (summary.json's `knowledge`): flat little-endian arrays,
// written by the engine, read by the host, decoded again in the webview. One codec for all three.

export type KnowledgeArrayKind = 'float32' | 'int32' | 'uint8';

const BYTES: Record<KnowledgeArrayKind, number> = { float32: 4, int32: 4, uint8: 1 };

/** The bytes of `values` as stored: little-endian whatever the machine. */
export function encodeArray(values: Float32Array | Int32Array | Uint8Array, kind: KnowledgeArrayKind): Uint8Array {
  if (kind === 'uint8') return Uint8Array.from(values);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (kind === 'float32') view.setFloat32(i * 4, values[i], true);
    else view.setInt32(i * 4, values[i], true);
  }
  return bytes;
}

/**
 * Decodes `bytes` as `expected` values of `kind`; a file of another size is an error naming it
 * and saying what was expected, and so is a non-finite float (a damaged file, not a prediction).
 */
export function decodeArray(bytes: Uint8Array, kind: 'float32', expected: number, file: string): Float32Array;
export function decodeArray(bytes: Uint8Array, kind: 'int32', expected: number, file: string): Int32Array;
export function decodeArray(bytes: Uint8Array, kind: 'uint8', expected: number, file: string): Uint8Array;
export function decodeArray(bytes: Uint8Array, kind: KnowledgeArrayKind, expected: number, file: string): Float32Array | Int32Array | Uint8Array {
  const size = BYTES[kind];
  if (bytes.length !== expected * size) {
    throw new Error(`${file}: expected ${expected} ${kind} values (${expected * size} bytes), found ${bytes.length} bytes`);
  }
  if (kind === 'uint8') return Uint8Array.from(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === 'int32') {
    const out = new Int32Array(expected);
    for (let i = 0; i < expected; i++) out[i] = view.getInt32(i * 4, true);
    return out;
  }
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) {
    const value = view.getFloat32(i * 4, true);
    if (!Number.isFinite(value)) throw new Error(`${file}: value ${i} is ${value}, expected a finite number`);
    out[i] = value;
  }
  return out;
}

/** Int32 values that must each lie in [0, bound): labels, sample indices. */
export function checkIndices(values: Int32Array, bound: number, file: string): Int32Array {
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= bound) throw new Error(`${file}: value ${i} is ${values[i]}, expected an index in [0, ${bound})`);
  }
  return values;
}

/** Base64 of bytes, in chunks (String.fromCharCode takes so many arguments at most). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** At most this many prediction samples have their attention maps stored. */
export const ATTENTION_SAMPLE_LIMIT = 8;
/** At most this many tokens of a sample (its first) span a stored attention map: the default maxLength, so a default run's rows are whole. */
export const ATTENTION_TOKEN_LIMIT = 128;

/** Where a map starts in a model's attention file: samples in order, then layers, then heads, each n_s × n_s. */
export function attentionOffset(lengths: ArrayLike<number>, layers: number, heads: number, sample: number, layer = 0, head = 0): number {
  let offset = 0;
  for (let s = 0; s < sample; s++) offset += layers * heads * lengths[s] * lengths[s];
  const n = lengths[sample] ?? 0;
  return offset + (layer * heads + head) * n * n;
}

/** Values in a model's attention file: layers · heads · Σ n_s². */
export function attentionSize(lengths: ArrayLike<number>, layers: number, heads: number): number {
  return attentionOffset(lengths, layers, heads, lengths.length);
}

/** The stored token counts: each in [1, ATTENTION_TOKEN_LIMIT]. */
export function checkAttentionLengths(lengths: Int32Array, file: string): Int32Array {
  for (let i = 0; i < lengths.length; i++) {
    if (lengths[i] < 1 || lengths[i] > ATTENTION_TOKEN_LIMIT) throw new Error(`${file}: value ${i} is ${lengths[i]}, expected a token count in [1, ${ATTENTION_TOKEN_LIMIT}]`);
  }
  return lengths;
}

/** Attention probabilities: each in [0, 1] (a softmax's outputs, to float32 rounding). */
export function checkProbabilities(values: Float32Array, file: string): Float32Array {
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] > 1 + 1e-6) throw new Error(`${file}: value ${i} is ${values[i]}, expected a probability in [0, 1]`);
  }
  return values;
}

/** A JSON file of the knowledge files, as stored (UTF-8). */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** A JSON file's value, or an error naming the file. */
function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new Error(`${file}: expected UTF-8 JSON, ${(error as Error).message}`);
  }
}

/** At most this many characters of each embedding-sample message are stored (for a tooltip). */
export const SAMPLE_TEXT_CHARS = 120;

/** The embedding sample's messages: `count` strings. */
export function decodeTexts(bytes: Uint8Array, count: number, file: string): string[] {
  const value = parseJson(bytes, file);
  if (!Array.isArray(value) || value.length !== count || !value.every((t) => typeof t === 'string')) throw new Error(`${file}: expected an array of ${count} strings`);
  return value as string[];
}

/** The samples' token lists: `lengths.length` arrays of strings, the s-th holding lengths[s] of them. */
export function decodeTokenLists(bytes: Uint8Array, lengths: Int32Array, file: string): string[][] {
  const value = parseJson(bytes, file);
  if (!Array.isArray(value) || value.length !== lengths.length) throw new Error(`${file}: expected an array of ${lengths.length} token lists`);
  return value.map((tokens: unknown, s) => {
    if (!Array.isArray(tokens) || tokens.length !== lengths[s] || !tokens.every((t) => typeof t === 'string')) {
      throw new Error(`${file}: list ${s}: expected ${lengths[s]} token strings`);
    }
    return tokens as string[];
  });
}
