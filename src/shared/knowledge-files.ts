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
