// Token rows as a text model reads them: [CLS] tokens… [SEP] then PAD, a fixed length, as floats in a Split.

/**
 * `count × maxLength` ids: each row `cls`, the first `maxLength − 2` of its ids, `sep`, then `pad`. Longer texts are
 * truncated (their end is dropped, as BERT's tokenizers truncate).
 */
export function encodeRows(ids: readonly (readonly number[])[], maxLength: number, special: { pad: number; cls: number; sep: number }): Float32Array {
  if (!(Number.isInteger(maxLength) && maxLength >= 3)) throw new Error(`maxLength: expected an integer of at least 3 ([CLS], a token, [SEP]), got ${maxLength}`);
  const x = new Float32Array(ids.length * maxLength).fill(special.pad);
  ids.forEach((row, r) => {
    const at = r * maxLength;
    const n = Math.min(row.length, maxLength - 2);
    x[at] = special.cls;
    for (let i = 0; i < n; i++) x[at + 1 + i] = row[i];
    x[at + 1 + n] = special.sep;
  });
  return x;
}
