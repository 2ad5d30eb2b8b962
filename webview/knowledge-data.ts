// A run's knowledge payload (the host's `knowledge` message) checked with the protocol's schema
// and decoded into typed arrays, each file against the index (no DOM here).
import { checkAttentionLengths, checkIndices, decodeArray, decodeTexts, decodeTokenLists, fromBase64 } from '../src/shared/knowledge-files';
import { RunKnowledgePayload } from '../src/shared/protocol';
import { predictions, type Logits } from './knowledge-model';

export interface KnowledgeModel {
  role: string;
  epoch: number;
  logits: Logits;
  predicted: Int32Array;
  /** [sample count × dim], rows in the order of `RunKnowledge.sample`. */
  embeddings?: { values: Float32Array; dim: number };
  /** A transformer's attention maps: their shape; the attention view asks the host for one sample's maps at a time. */
  attention?: { layers: number; heads: number };
}

/** The samples whose attention maps the run stored: validation index, kept token count and tokens of each. */
export interface AttentionSamples {
  indices: Int32Array;
  lengths: Int32Array;
  tokens: string[][];
}

export interface RunKnowledge {
  classNames: string[];
  classes: number;
  labels: Int32Array;
  /** Validation indices of the embedding sample. */
  sample: Int32Array;
  /** Text runs: the embedding sample's messages (their starts), in the order of `sample`. */
  sampleTexts?: string[];
  models: KnowledgeModel[];
  /** Raw inputs kept for some samples (uint8 pixels), by validation index. */
  inputs?: { shape: number[]; pixels: Map<number, Uint8Array> };
  attention?: AttentionSamples;
}

/** The three models the views put side by side: teacher, baseline and distilled student (each when the run has it). */
export interface KnowledgeRoles {
  teacher?: KnowledgeModel;
  scratch?: KnowledgeModel;
  distilled?: KnowledgeModel;
}

/** Throws an error naming the file that does not match the index. */
export function decodeKnowledge(raw: unknown): RunKnowledge {
  const parsed = RunKnowledgePayload.safeParse(raw);
  if (!parsed.success) throw new Error(`the knowledge message is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { index, files } = parsed.data;
  const bytes = (file: string) => {
    const text = files[file];
    if (text === undefined) throw new Error(`${file}: not sent`);
    return fromBase64(text);
  };
  const labels = checkIndices(decodeArray(bytes(index.labels), 'int32', index.count, index.labels), index.classes, index.labels);
  const sample = checkIndices(decodeArray(bytes(index.embeddingSample.file), 'int32', index.embeddingSample.count, index.embeddingSample.file), index.count, index.embeddingSample.file);
  const textsFile = index.embeddingSample.texts;
  const sampleTexts = textsFile === undefined ? undefined : decodeTexts(bytes(textsFile), sample.length, textsFile);
  let attention: AttentionSamples | undefined;
  if (index.attention) {
    const { count } = index.attention;
    const lengths = checkAttentionLengths(decodeArray(bytes(index.attention.lengths), 'int32', count, index.attention.lengths), index.attention.lengths);
    attention = {
      indices: checkIndices(decodeArray(bytes(index.attention.indices), 'int32', count, index.attention.indices), index.count, index.attention.indices),
      lengths,
      tokens: decodeTokenLists(bytes(index.attention.tokens), lengths, index.attention.tokens),
    };
  }
  const models = index.models.map((entry): KnowledgeModel => {
    const logits = { values: decodeArray(bytes(entry.logits), 'float32', index.count * index.classes, entry.logits), classes: index.classes };
    const embeddings = entry.embeddings && {
      values: decodeArray(bytes(entry.embeddings.file), 'float32', sample.length * entry.embeddings.dim, entry.embeddings.file),
      dim: entry.embeddings.dim,
    };
    const maps = entry.attention;
    if (maps && !attention) throw new Error(`${maps.file}: summary.json names no attention samples for it`);
    return { role: entry.role, epoch: entry.epoch, logits, predicted: predictions(logits), embeddings, attention: maps && { layers: maps.layers, heads: maps.heads } };
  });
  let inputs: RunKnowledge['inputs'];
  if (index.inputs) {
    const size = index.inputs.shape.reduce((a, b) => a * b, 1);
    const indices = checkIndices(decodeArray(bytes(index.inputs.indices), 'int32', index.inputs.count, index.inputs.indices), index.count, index.inputs.indices);
    const pixels = decodeArray(bytes(index.inputs.pixels), 'uint8', index.inputs.count * size, index.inputs.pixels);
    inputs = { shape: index.inputs.shape, pixels: new Map(Array.from(indices, (i, k) => [i, pixels.subarray(k * size, (k + 1) * size)])) };
  }
  const classNames = index.classNames.length === index.classes ? index.classNames : Array.from({ length: index.classes }, (_, c) => String(c));
  return { classNames, classes: index.classes, labels, sample, sampleTexts, models, inputs, attention };
}

/**
 * Teacher: the teachers' ensemble where the student learned from one (multi-teacher), else
 * `teacher`, else the first teacher role; baseline: `student-scratch`; distilled: `student`, else
 * the last other model that is not an ensemble.
 */
export function knowledgeRoles(knowledge: RunKnowledge): KnowledgeRoles {
  const byRole = (role: string) => knowledge.models.find((m) => m.role === role);
  const teacher = byRole('teacher-ensemble') ?? byRole('teacher') ?? knowledge.models.find((m) => m.role.startsWith('teacher'));
  const scratch = byRole('student-scratch');
  // An ensemble of students (born-again's generations) is not the distilled student: its last generation is.
  const distilled = byRole('student') ?? knowledge.models.filter((m) => m !== teacher && m !== scratch && !m.role.endsWith('ensemble')).at(-1);
  return { teacher, scratch, distilled };
}
