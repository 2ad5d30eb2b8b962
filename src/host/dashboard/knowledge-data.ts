// A run's knowledge files (summary.json's `knowledge`) for the dashboard's knowledge views: each
// file read, checked against the index (size, finite values, indices in range) and sent as
// base64 — but the attention maps, whose size alone is checked here: the attention view asks for
// one sample's at a time (attention-data.ts). A damaged file is a problem naming it; nothing is
// changed on disk. No vscode import.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { attentionSize, checkAttentionLengths, checkIndices, decodeArray, decodeTexts, decodeTokenLists } from '../../shared/knowledge-files';
import type { KnowledgeIndex, RunKnowledgePayload } from '../../shared/protocol';
import { RunFolder } from '../../shared/run-folder';

export type RunKnowledgeRead = { knowledge: RunKnowledgePayload; problem?: undefined } | { knowledge?: undefined; problem: string };

/** Every file the index names, with what it must hold. */
/** A file and its check: of its bytes (it is then sent), or of its size alone (`sizeOnly`: it is not sent). */
interface ExpectedFile {
  file: string;
  check: (bytes: Uint8Array, path: string) => void;
  sizeOnly?: (size: number, path: string) => void;
}

function expectedFiles(index: KnowledgeIndex): ExpectedFile[] {
  const floats = (count: number) => (bytes: Uint8Array, path: string) => void decodeArray(bytes, 'float32', count, path);
  const indices = (count: number, bound: number) => (bytes: Uint8Array, path: string) => void checkIndices(decodeArray(bytes, 'int32', count, path), bound, path);
  const files: ExpectedFile[] = [
    { file: index.labels, check: indices(index.count, index.classes) },
    { file: index.embeddingSample.file, check: indices(index.embeddingSample.count, index.count) },
  ];
  const texts = index.embeddingSample.texts;
  if (texts) files.push({ file: texts, check: (bytes, path) => void decodeTexts(bytes, index.embeddingSample.count, path) });
  // The maps' sizes follow from the stored token counts: read (and checked) before the maps.
  let lengths: Int32Array | undefined;
  const attention = index.attention;
  if (attention) {
    files.push({ file: attention.indices, check: indices(attention.count, index.count) });
    files.push({ file: attention.lengths, check: (bytes, path) => void (lengths = checkAttentionLengths(decodeArray(bytes, 'int32', attention.count, path), path)) });
    files.push({ file: attention.tokens, check: (bytes, path) => void decodeTokenLists(bytes, lengths!, path) });
  }
  for (const model of index.models) {
    files.push({ file: model.logits, check: floats(index.count * index.classes) });
    if (model.embeddings) files.push({ file: model.embeddings.file, check: floats(index.embeddingSample.count * model.embeddings.dim) });
    const maps = model.attention;
    if (!maps) continue;
    files.push({
      file: maps.file,
      check: () => {},
      sizeOnly: (size, path) => {
        if (!lengths) throw new Error(`${path}: summary.json names no attention samples for it`);
        const expected = attentionSize(lengths, maps.layers, maps.heads);
        if (size !== expected * 4) throw new Error(`${path}: expected ${expected} float32 values (${expected * 4} bytes), found ${size} bytes`);
      },
    });
  }
  if (index.inputs) {
    const size = index.inputs.shape.reduce((a, b) => a * b, 1);
    files.push({ file: index.inputs.indices, check: indices(index.inputs.count, index.count) });
    files.push({ file: index.inputs.pixels, check: (bytes, path) => void decodeArray(bytes, 'uint8', index.inputs!.count * size, path) });
  }
  return files;
}

export function readRunKnowledge(runDir: string): RunKnowledgeRead {
  const folder = new RunFolder(runDir);
  const summary = folder.inspectSummary();
  if (summary.state === 'missing') return { problem: 'This run has no summary yet: the knowledge views appear when it has finished.' };
  if (summary.state === 'damaged') return { problem: `${summary.damage.path} is damaged: ${summary.damage.reason}` };
  const index = summary.value.knowledge;
  if (!index) {
    const record = folder.inspectRecord();
    const status = record.state === 'read' ? record.value.status : undefined;
    if (status === 'running' || status === 'queued') return { problem: 'The knowledge views appear when the run has finished: the trainer stores the validation logits of every model at its end.' };
    return { problem: 'This run stored no validation logits (it ended early, or was made before Distill Lab stored them).' };
  }
  const files: Record<string, string> = {};
  try {
    for (const { file, check, sizeOnly } of expectedFiles(index)) {
      const path = folder.path(file);
      if (!existsSync(path)) throw new Error(`${path}: missing (summary.json names it)`);
      if (sizeOnly) {
        sizeOnly(statSync(path).size, path);
        continue;
      }
      const bytes = readFileSync(path);
      check(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
      files[file] = bytes.toString('base64');
    }
  } catch (error) {
    return { problem: `cannot show the knowledge views: ${(error as Error).message}` };
  }
  return { knowledge: { index, files } };
}
