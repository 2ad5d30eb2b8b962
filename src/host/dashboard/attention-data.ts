// One validation sample's attention maps for the attention view, and nothing more: a stored sample's
// read as a slice of each model's attention file (by attentionOffset, never the whole file); any
// other sample's from the run's knowledge folder if `distill-lab attention` cached it there, else
// computed by it now in a child process (the extension host never loads TensorFlow). No vscode import.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { attentionSampleFile, RunFolder } from '../../shared/run-folder';
import { checkSampleInRange, decodeAttentionSample, type AttentionSamplePayload } from '../../shared/attention-sample';
import { attentionOffset, attentionSize, checkAttentionLengths, checkIndices, checkProbabilities, decodeArray, decodeTokenLists, toBase64 } from '../../shared/knowledge-files';
import type { KnowledgeIndex } from '../../shared/protocol';

export type AttentionRead = { maps: AttentionSamplePayload; problem?: undefined } | { maps?: undefined; problem: string };

/** Runs `distill-lab attention <runDir> --sample N --out <out>`; rejects with what it said went wrong. */
export type ComputeAttention = (runDir: string, sample: number, out: string) => Promise<void>;

const bytesOf = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

function readIndex(folder: RunFolder): KnowledgeIndex {
  const summary = folder.inspectSummary();
  if (summary.state === 'missing') throw new Error('This run has no summary yet: its attention maps appear when it has finished.');
  if (summary.state === 'damaged') throw new Error(`${summary.damage.path} is damaged: ${summary.damage.reason}`);
  const index = summary.value.knowledge;
  if (!index) throw new Error('This run stored no knowledge files (it ended early, or was made before Distill Lab stored them).');
  if (!index.models.some((m) => m.attention)) throw new Error('No model of this run has attention maps — only transformers on text data have them.');
  return index;
}

/** `count` values of `file` from value `offset` on, the file's size checked against `expectedValues` first. */
function readFloatSlice(file: string, expectedValues: number, offset: number, count: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size !== expectedValues * 4) throw new Error(`${file}: expected ${expectedValues} float32 values (${expectedValues * 4} bytes), found ${size} bytes`);
    const bytes = Buffer.alloc(count * 4);
    readSync(fd, bytes, 0, bytes.length, offset * 4);
    return bytesOf(bytes);
  } finally {
    closeSync(fd);
  }
}

/** A sample the run stored: each model's maps sliced from its file. Undefined when the sample is not one of them. */
export function readStoredAttention(runDir: string, sample: number, index = readIndex(new RunFolder(runDir))): AttentionSamplePayload | undefined {
  const folder = new RunFolder(runDir);
  const stored = index.attention;
  if (!stored) return undefined;
  const read = (file: string) => bytesOf(readFileSync(folder.path(file)));
  const indices = checkIndices(decodeArray(read(stored.indices), 'int32', stored.count, folder.path(stored.indices)), index.count, folder.path(stored.indices));
  const s = indices.indexOf(sample);
  if (s < 0) return undefined;
  const lengths = checkAttentionLengths(decodeArray(read(stored.lengths), 'int32', stored.count, folder.path(stored.lengths)), folder.path(stored.lengths));
  const tokens = decodeTokenLists(read(stored.tokens), lengths, folder.path(stored.tokens))[s];
  const n = lengths[s];
  const models = index.models.flatMap(({ role, epoch, attention }) => {
    if (!attention) return [];
    const { layers, heads } = attention;
    const file = folder.path(attention.file);
    const bytes = readFloatSlice(file, attentionSize(lengths, layers, heads), attentionOffset(lengths, layers, heads, s), layers * heads * n * n);
    checkProbabilities(decodeArray(bytes, 'float32', layers * heads * n * n, file), file);
    return [{ role, epoch, layers, heads, values: toBase64(bytes) }];
  });
  return { sample, tokens, models };
}

/**
 * The cached file of a computed sample, checked. Undefined when there is none; one that cannot be
 * used is too (it is computed again), unless `strict`: then it is an error naming the file.
 */
export function readCachedAttention(runDir: string, sample: number, strict = false): AttentionSamplePayload | undefined {
  const file = new RunFolder(runDir).path(attentionSampleFile(sample));
  if (!existsSync(file)) {
    if (strict) throw new Error(`${file}: missing after distill-lab attention ended`);
    return undefined;
  }
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: expected JSON, ${(error as Error).message}`);
    }
    const maps = decodeAttentionSample(raw, file);
    if (maps.sample !== sample) throw new Error(`${file}: holds sample ${maps.sample}, expected ${sample}`);
    return raw as AttentionSamplePayload;
  } catch (error) {
    if (strict) throw error;
    return undefined;
  }
}

/** Answers the attention view's requests; one computation per run and sample at a time, however often it is asked. */
export class AttentionSamples {
  private readonly running = new Map<string, Promise<AttentionRead>>();

  constructor(private readonly compute: ComputeAttention | undefined) {}

  read(runDir: string, sample: number): Promise<AttentionRead> {
    const key = `${runDir}\n${sample}`;
    let pending = this.running.get(key);
    if (!pending) {
      pending = this.find(runDir, sample).finally(() => this.running.delete(key));
      this.running.set(key, pending);
    }
    return pending;
  }

  private async find(runDir: string, sample: number): Promise<AttentionRead> {
    try {
      const folder = new RunFolder(runDir);
      const index = readIndex(folder);
      checkSampleInRange(sample, index.count);
      const maps = readStoredAttention(runDir, sample, index) ?? readCachedAttention(runDir, sample);
      if (maps) return { maps };
      if (!this.compute) throw new Error(`sample ${sample}'s maps are not stored, and computing them on request is not available here`);
      await this.compute(runDir, sample, folder.path(attentionSampleFile(sample)));
      return { maps: readCachedAttention(runDir, sample, true)! };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }
}
