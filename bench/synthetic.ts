// The fixed synthetic batch of a workload, as plain arrays (no TensorFlow), so that the engine's
// side (tfjs-steps.ts) and, for text, PyTorch's side (the token ids go to bench_torch.py) train on
// the same values.
import { createRng } from '../src/core/data/rng';
import { CLS, PAD, SEP } from '../src/core/data/text/vocabulary';
import type { Workload } from './cases';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Shortest text row: [CLS], a few tokens, [SEP]. */
const MIN_TOKENS = 8;

/** Images: uniform [0, 1) pixels and uniform labels, seeded. */
export function syntheticPixels(workload: Workload, seed = 1234): { pixels: Float32Array; labels: Float32Array } {
  const { batchSize, inputShape, numClasses } = workload;
  const rng = createRng(seed);
  const pixels = new Float32Array(batchSize * size(inputShape));
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng();
  return { pixels, labels: labels(rng, batchSize, numClasses) };
}

/**
 * Text: rows of compact token ids as the text data sets encode them (encodeRows): [CLS], tokens
 * drawn uniformly from the vocabulary's non-special ids, [SEP], then PAD (0) to the length L.
 * Each row's length is uniform in [8, L], so about two rows in five are padded by more than a
 * third — a real padding mask, as short e-mails give. Seeded; labels uniform.
 */
export function syntheticTokens(workload: Workload, seed = 1234): { ids: Float32Array; labels: Float32Array } {
  const { batchSize, inputShape, numClasses, vocabSize } = workload;
  if (vocabSize == null || inputShape.length !== 1) throw new Error(`bench workload ${workload.name}: text needs inputShape [L] and a vocabSize`);
  const length = inputShape[0];
  const firstToken = Math.max(PAD, CLS, SEP) + 1;
  if (length < MIN_TOKENS || vocabSize <= firstToken) throw new Error(`bench workload ${workload.name}: needs L ≥ ${MIN_TOKENS} and vocabSize > ${firstToken}`);
  const rng = createRng(seed);
  const ids = new Float32Array(batchSize * length).fill(PAD);
  for (let r = 0; r < batchSize; r++) {
    const used = MIN_TOKENS + Math.floor(rng() * (length - MIN_TOKENS + 1));
    const row = r * length;
    ids[row] = CLS;
    for (let i = 1; i < used - 1; i++) ids[row + i] = firstToken + Math.floor(rng() * (vocabSize - firstToken));
    ids[row + used - 1] = SEP;
  }
  return { ids, labels: labels(rng, batchSize, numClasses) };
}

function labels(rng: () => number, batchSize: number, numClasses: number): Float32Array {
  const out = new Float32Array(batchSize);
  for (let i = 0; i < batchSize; i++) out[i] = Math.floor(rng() * numClasses);
  return out;
}
