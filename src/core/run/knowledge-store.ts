// At the end of a run: what the dashboard's knowledge views compute from, next to the
// checkpoints. Per model, its validation logits at the best checkpoint and its embeddings
// (penultimate features) of a fixed, seeded sample of validation inputs; once per run, the
// validation labels, that sample's indices and the raw inputs of samples the models disagree on.
// Nothing here runs per epoch.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KnowledgeIndex, ModelSummary } from '../../shared/protocol';
import { ATTENTION_SAMPLE_LIMIT, ATTENTION_TOKEN_LIMIT, attentionOffset, attentionSize, encodeArray, encodeJson, SAMPLE_TEXT_CHARS } from '../../shared/knowledge-files';
import { writeFileAtomic } from '../../shared/fs-atomic';
import { RUN_FILES, type RunFolder } from '../../shared/run-folder';
import { deriveSeed, shuffledIndices } from '../data/rng';
import type { Split } from '../data/types';
import { loadModel } from '../models/checkpoint';
import type { ZooModel } from '../models/zoo-model';
import { predictLogits } from '../train/evaluate';
import { messageStart, rowTokens } from '../train/loop';
import { argmaxRows } from '../train/metrics';

/** At most this many validation samples have their embeddings stored. */
export const EMBEDDING_SAMPLE_LIMIT = 2000;
/** At most this many validation inputs are stored for the views' strips. */
export const INPUT_SAMPLE_LIMIT = 240;
/** The sub-stream of the run's seed that draws the embedding sample. */
const SAMPLE_STREAM = 0x6b6e; // 'kn'

export interface KnowledgeData {
  classNames: string[];
  inputShape: number[];
  /** Normalised validation inputs, as the models see them. */
  validation: Split;
  /** The same before normalisation (images in [0, 1]). */
  rawValidation: Split;
  /** The prediction samples' validation indices: the first ATTENTION_SAMPLE_LIMIT have their attention maps stored. */
  sampleIndices?: readonly number[];
  /** Text data: the vocabulary (compact id → WordPiece string), for the maps' axis labels, and the validation messages. */
  text?: { tokens: readonly string[]; texts?: { validation?: readonly string[] } };
}

/** The validation indices whose embeddings are kept: a seeded draw of at most `limit`, in ascending order. */
export function embeddingSample(count: number, seed: number, limit = EMBEDDING_SAMPLE_LIMIT): Int32Array {
  return shuffledIndices(count, deriveSeed(seed, SAMPLE_STREAM)).slice(0, Math.min(count, limit)).sort();
}

/**
 * Stores the knowledge files of every model that has a summary row and either a best checkpoint
 * in this run (trained here) or is one of `evaluated` (loaded, evaluated as it is); an ensemble
 * (no model of its own) has its validation logits stored from `ensembles`, without embeddings.
 * Returns the index for summary.json.
 */
export async function storeKnowledge(
  folder: RunFolder,
  data: KnowledgeData,
  rows: readonly ModelSummary[],
  evaluated: readonly ZooModel[],
  seed: number,
  ensembles: ReadonlyMap<string, Float32Array> = new Map(),
): Promise<KnowledgeIndex> {
  const { validation } = data;
  const classes = data.classNames.length;
  const rel = (...parts: string[]) => [RUN_FILES.checkpoints, ...parts].join('/');
  const write = (path: string, bytes: Uint8Array) => writeFileAtomic(folder.path(path), bytes);

  const sample = embeddingSample(validation.count, seed);
  const sampleSplit = subset(validation, sample, data.inputShape);
  const index: KnowledgeIndex = {
    count: validation.count,
    classes,
    classNames: data.classNames,
    labels: rel('val-labels.i32'),
    embeddingSample: { file: rel('embedding-sample.i32'), count: sample.length, seed },
    models: [],
  };
  write(index.labels, encodeArray(validation.y, 'int32'));
  write(index.embeddingSample.file, encodeArray(sample, 'int32'));
  const texts = data.text?.texts?.validation;
  if (texts && texts.length === validation.count) {
    index.embeddingSample.texts = rel('embedding-texts.json');
    write(index.embeddingSample.texts, encodeJson(Array.from(sample, (i) => messageStart(texts[i].replace(/\s+/g, ' ').trim(), SAMPLE_TEXT_CHARS))));
  }

  const attention = attentionSample(data);
  if (attention) {
    index.attention = { indices: rel('attention-samples.i32'), lengths: rel('attention-lengths.i32'), tokens: rel('attention-tokens.json'), count: attention.indices.length };
    write(index.attention.indices, encodeArray(attention.indices, 'int32'));
    write(index.attention.lengths, encodeArray(attention.lengths, 'int32'));
    write(index.attention.tokens, encodeJson(attention.tokens));
  }

  const predictions = new Map<string, Int32Array>();
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.role)) continue;
    seen.add(row.role);
    const combined = ensembles.get(row.role);
    if (combined) {
      const entry: KnowledgeIndex['models'][number] = { role: row.role, epoch: row.bestEpoch, logits: rel(row.role, 'val-logits.f32') };
      write(entry.logits, encodeArray(combined, 'float32'));
      index.models.push(entry);
      predictions.set(row.role, argmaxRows(combined, classes));
      continue;
    }
    const best = folder.checkpointDir(row.role, 'best');
    const own = existsSync(join(best, 'model.json'));
    const model = own ? await loadModel(best) : evaluated.find((m) => m.info.role === row.role && row.bestEpoch === 0);
    if (!model) continue;
    try {
      const logits = predictLogits(model, validation, data.inputShape);
      const embeddings = embeddingsOf(model, sampleSplit, data.inputShape);
      const entry: KnowledgeIndex['models'][number] = { role: row.role, epoch: own ? row.bestEpoch : 0, logits: rel(row.role, 'val-logits.f32') };
      write(entry.logits, encodeArray(logits, 'float32'));
      if (embeddings) {
        entry.embeddings = { file: rel(row.role, 'embeddings.f32'), dim: embeddings.dim };
        write(entry.embeddings.file, encodeArray(embeddings.values, 'float32'));
      }
      const maps = attention && attentionMaps(model, attention, data.inputShape);
      if (maps) {
        entry.attention = { file: rel(row.role, 'attention.f32'), layers: maps.layers, heads: maps.heads };
        write(entry.attention.file, encodeArray(maps.values, 'float32'));
      }
      index.models.push(entry);
      predictions.set(row.role, argmaxRows(logits, classes));
    } finally {
      if (own) model.dispose();
    }
  }

  if (data.inputShape.length === 3 && data.rawValidation.count === validation.count) {
    const chosen = disagreementSample([...predictions.values()], validation.count, seed);
    if (chosen.length > 0) {
      const pixels = subset(data.rawValidation, chosen, data.inputShape).x;
      index.inputs = { indices: rel('sample-inputs.i32'), pixels: rel('sample-inputs.u8'), count: chosen.length, shape: data.inputShape };
      write(index.inputs.indices, encodeArray(chosen, 'int32'));
      write(
        index.inputs.pixels,
        encodeArray(
          Uint8Array.from(pixels, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))),
          'uint8',
        ),
      );
    }
  }
  return index;
}

/** The samples at `indices` of a split, as their own split. */
function subset(split: Split, indices: Int32Array, inputShape: number[]): Split {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  indices.forEach((i, k) => {
    x.set(split.x.subarray(i * size, (i + 1) * size), k * size);
    y[k] = split.y[i];
  });
  return { x, y, count: indices.length };
}

/** The model's embeddings of a split (inference mode), [count × dim]. */
function embeddingsOf(model: ZooModel, split: Split, inputShape: number[], batchSize = 256): { values: Float32Array; dim: number } | undefined {
  if (split.count === 0) return undefined;
  const size = inputShape.reduce((a, b) => a * b, 1);
  let values: Float32Array | undefined;
  let dim = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const chunk = tf.tidy(() => {
      const x = tf.tensor(split.x.subarray(start * size, (start + n) * size), [n, ...inputShape]);
      return model.forward(x, false).embedding;
    });
    dim = chunk.shape[1] as number;
    values ??= new Float32Array(split.count * dim);
    values.set(chunk.dataSync(), start * dim);
    chunk.dispose();
  }
  return values && { values, dim };
}

/**
 * Validation samples on which not every model predicts the same class (the ones the views'
 * strips show), a seeded draw of at most `limit`, ascending.
 */
export function disagreementSample(predictions: Int32Array[], count: number, seed: number, limit = INPUT_SAMPLE_LIMIT): Int32Array {
  if (predictions.length < 2) return new Int32Array(0);
  const disputed = shuffledIndices(count, deriveSeed(seed, SAMPLE_STREAM + 1)).filter((i) => predictions.some((p) => p[i] !== predictions[0][i]));
  return disputed.slice(0, Math.min(disputed.length, limit)).sort();
}

/** The samples whose attention maps are stored: their validation indices, token ids, kept token counts and tokens. */
export interface AttentionSample {
  indices: Int32Array;
  /** [count × maxLength] token ids, as the models read them. */
  split: Split;
  /** n_s: the sample's non-padded tokens, at most ATTENTION_TOKEN_LIMIT. */
  lengths: Int32Array;
  /** The first n_s non-padded positions of each sample (padding is at the end, so 0 … n_s − 1). */
  positions: Int32Array[];
  tokens: string[][];
}

/**
 * Text data: the samples at `chosen` validation indices (by default the first ATTENTION_SAMPLE_LIMIT
 * prediction samples) and their tokens; undefined for images and tables.
 */
export function attentionSample(data: KnowledgeData, chosen: readonly number[] | undefined = data.sampleIndices?.slice(0, ATTENTION_SAMPLE_LIMIT)): AttentionSample | undefined {
  if (!data.text || !chosen?.length) return undefined;
  const indices = Int32Array.from(chosen);
  const split = subset(data.validation, indices, data.inputShape);
  const length = data.inputShape.reduce((a, b) => a * b, 1);
  const positions = Array.from(indices, (_, k) => {
    const ids = split.x.subarray(k * length, (k + 1) * length);
    const kept: number[] = [];
    ids.forEach((id, at) => void (id !== 0 && kept.length < ATTENTION_TOKEN_LIMIT && kept.push(at)));
    return Int32Array.from(kept);
  });
  const tokens = Array.from(indices, (_, k) => rowTokens(split.x.subarray(k * length, (k + 1) * length), data.text!.tokens).slice(0, ATTENTION_TOKEN_LIMIT));
  return { indices, split, lengths: Int32Array.from(positions, (p) => p.length), positions, tokens };
}

/**
 * A transformer's attention probabilities (inference mode) on the sample, flat as the index says:
 * per sample, layer and head the n_s × n_s block over its kept positions. Undefined for other models.
 */
export function attentionMaps(model: ZooModel, sample: AttentionSample, inputShape: number[]): { values: Float32Array; layers: number; heads: number } | undefined {
  if (model.info.spec.arch !== 'transformer' || sample.indices.length === 0) return undefined;
  const probs = tf.tidy(() => model.forward(tf.tensor(sample.split.x, [sample.split.count, ...inputShape]), false).sequence?.probs ?? []);
  try {
    if (probs.length === 0) return undefined;
    const [, heads, L] = probs[0].shape;
    const layers = probs.length;
    const values = new Float32Array(attentionSize(sample.lengths, layers, heads));
    probs.forEach((layerProbs, layer) => {
      const all = layerProbs.dataSync();
      sample.positions.forEach((kept, s) => {
        for (let head = 0; head < heads; head++) {
          const from = (s * heads + head) * L * L;
          let at = attentionOffset(sample.lengths, layers, heads, s, layer, head);
          for (const query of kept) for (const key of kept) values[at++] = all[from + query * L + key];
        }
      });
    });
    return { values, layers, heads };
  } finally {
    tf.dispose(probs);
  }
}
