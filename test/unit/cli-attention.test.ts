// `distill-lab attention <run> --sample N`: any validation sample's attention maps, on request, from
// a real (tiny) text run. For a sample the run stored, the file equals the stored slice; for one it
// did not, each map equals the best checkpoint run on that sample alone, and layer 0 also equals the
// float64 computation from the checkpoint's query/key weights. Bad requests name what is wrong.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/core/models/checkpoint';
import { computeAttentionSample } from '../../src/core/run/attention-on-demand';
import { runAttentionProcess } from '../../src/host/attention-process';
import { AttentionSamples, readStoredAttention } from '../../src/host/dashboard/attention-data';
import { prepareData } from '../../src/core/run/prepare-data';
import { decodeAttentionSample, sampleMapOffset, type AttentionSampleMaps } from '../../src/shared/attention-sample';
import { attentionOffset, decodeArray } from '../../src/shared/knowledge-files';
import { DataConfig, WebviewToHost, type KnowledgeIndex } from '../../src/shared/protocol';
import { attentionSampleFile, RunFolder } from '../../src/shared/run-folder';
import { attentionRunConfig, layerZeroAttention } from '../support/attention-reference';
import { ensureBuilt } from '../support/build';
import { runMethod, scratchDir } from '../support/method-run';
import { writeMessagesCsv } from '../support/text-messages';

const dir = scratchDir('cli-attention');
const csv = writeMessagesCsv(dir.path('messages.csv'), 60, (i) => 2 + (i % 6));
const MAX_LENGTH = 12;
const dataset = { kind: 'text' as const, train: csv, maxLength: MAX_LENGTH };
const SHAPES = { teacher: { layers: 2, heads: 2 }, student: { layers: 1, heads: 3 } } as const;

const readBytes = (file: string) => {
  const bytes = readFileSync(file);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
const ints = (file: string) => decodeArray(readBytes(file), 'int32', readBytes(file).length / 4, file);
const floats = (file: string) => decodeArray(readBytes(file), 'float32', readBytes(file).length / 4, file);
const readMaps = (file: string): AttentionSampleMaps => decodeAttentionSample(JSON.parse(readFileSync(file, 'utf8')), file);

describe('distill-lab attention', () => {
  let cli: string;
  let folder: RunFolder;
  let index: KnowledgeIndex;
  before(async () => {
    cli = ensureBuilt().cli;
    const run = await runMethod(attentionRunConfig('attention-cli', dataset, 0.25, 1), dir.path('run'));
    folder = run.folder;
    index = folder.readSummary()!.knowledge!;
  });
  after(() => dir.remove());

  const runCli = (...args: string[]) => spawnSync(process.execPath, [cli, 'attention', ...args], { cwd: dir.path('.'), encoding: 'utf8', timeout: 120_000 });

  test('a stored sample: the file written into the knowledge folder equals the stored slice of every layer and head', () => {
    const indices = ints(folder.path(index.attention!.indices));
    const lengths = ints(folder.path(index.attention!.lengths));
    const tokens = JSON.parse(readFileSync(folder.path(index.attention!.tokens), 'utf8')) as string[][];
    const s = 3;
    const r = runCli(folder.dir, '--sample', String(indices[s]));
    assert.equal(r.status, 0, r.stderr);
    const file = folder.path(attentionSampleFile(indices[s]));
    assert.equal(r.stdout.trim(), file);
    const maps = readMaps(file);
    assert.equal(maps.sample, indices[s]);
    assert.deepEqual(maps.tokens, tokens[s]);
    const n = lengths[s];
    for (const entry of index.models) {
      const got = maps.models.find((m) => m.role === entry.role)!;
      assert.deepEqual({ layers: got.layers, heads: got.heads, epoch: got.epoch }, { ...SHAPES[entry.role as keyof typeof SHAPES], epoch: entry.epoch });
      const stored = floats(folder.path(entry.attention!.file));
      for (let layer = 0; layer < got.layers; layer++) {
        for (let head = 0; head < got.heads; head++) {
          const from = attentionOffset(lengths, got.layers, got.heads, s, layer, head);
          const at = sampleMapOffset(n, got.heads, layer, head);
          for (let k = 0; k < n * n; k++) assert.ok(Math.abs(got.values[at + k] - stored[from + k]) < 1e-6, `${entry.role} layer ${layer} head ${head} cell ${k}`);
        }
      }
    }
  });

  test('a sample the run did not store: the checkpoint on that sample alone, layer 0 also from the weights in float64', async () => {
    const stored = new Set(ints(folder.path(index.attention!.indices)));
    const data = await prepareData(DataConfig.parse({ dataset, validationSplit: 0.25 }), 12, dir.path('.'));
    const sample = [...Array(index.count).keys()].reverse().find((i) => !stored.has(i))!;
    const out = dir.path('out/maps.json');
    const r = runCli(folder.dir, '--sample', String(sample), '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const maps = readMaps(out);
    const row = data.validation.x.subarray(sample * MAX_LENGTH, (sample + 1) * MAX_LENGTH);
    const n = Array.from(row).filter((id) => id !== 0).length;
    assert.deepEqual(
      maps.tokens,
      Array.from(row.subarray(0, n), (id) => data.text!.tokens[id]),
    );
    assert.deepEqual(
      maps.models.map((m) => m.role),
      ['teacher', 'student'],
    );
    for (const got of maps.models) {
      const model = await loadModel(folder.checkpointDir(got.role, 'best'));
      try {
        const alone = tf.tidy(() => model.forward(tf.tensor(row, [1, MAX_LENGTH]), false).sequence!.probs.map((p) => p.arraySync()[0]));
        const first = layerZeroAttention(model, row, n, got.heads);
        for (let layer = 0; layer < got.layers; layer++) {
          for (let head = 0; head < got.heads; head++) {
            const at = sampleMapOffset(n, got.heads, layer, head);
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                const value = got.values[at + i * n + j];
                assert.ok(Math.abs(value - alone[layer][head][i][j]) < 1e-6, `${got.role} layer ${layer} head ${head} (${i}, ${j})`);
                if (layer === 0) assert.ok(Math.abs(value - first[head][i][j]) < 1e-5, `${got.role} layer 0 from the weights (${i}, ${j}): ${value} vs ${first[head][i][j]}`);
              }
            }
          }
        }
      } finally {
        model.dispose();
      }
    }
  });

  test('the host: a stored sample sliced from the files, another computed once however often asked (then cached), errors as messages', async () => {
    const indices = ints(folder.path(index.attention!.indices));
    let computed = 0;
    const host = new AttentionSamples((runDir, sample, out) => {
      computed++;
      return runAttentionProcess({ nodePath: process.execPath, cliScript: cli, baseDir: dir.path('.') }, runDir, sample, out);
    });
    const stored = await host.read(folder.dir, indices[1]);
    assert.equal(computed, 0, 'a stored sample is read, not computed');
    const cli1 = runCli(folder.dir, '--sample', String(indices[1]), '--out', dir.path('stored.json'));
    assert.equal(cli1.status, 0, cli1.stderr);
    const fromCli = readMaps(dir.path('stored.json'));
    const sliced = decodeAttentionSample(stored.maps, 'the slice');
    assert.deepEqual(sliced.tokens, fromCli.tokens);
    sliced.models.forEach((m, k) => m.values.forEach((v, i) => assert.ok(Math.abs(v - fromCli.models[k].values[i]) < 1e-6, `${m.role} value ${i}`)));

    const other = [...Array(index.count).keys()].find((i) => !Array.from(indices).includes(i) && i !== index.count - 1)!;
    assert.equal(readStoredAttention(folder.dir, other), undefined, 'not a stored sample');
    rmSync(folder.path(attentionSampleFile(other)), { force: true });
    const [a, b] = await Promise.all([host.read(folder.dir, other), host.read(folder.dir, other)]);
    assert.equal(computed, 1, 'two requests at once: one child process');
    assert.deepEqual(a, b);
    assert.equal(decodeAttentionSample(a.maps, 'computed').sample, other);
    await host.read(folder.dir, other);
    assert.equal(computed, 1, 'the cached file answers next time');

    assert.deepEqual(await host.read(folder.dir, index.count), { problem: `sample ${index.count} is out of range: this run has ${index.count} validation samples, expected 0 … ${index.count - 1}` });
    const failing = new AttentionSamples((runDir, sample, out) => runAttentionProcess({ nodePath: process.execPath, cliScript: cli, baseDir: dir.path('nowhere') }, runDir, sample, out));
    const copy = new RunFolder(dir.path('copy-host'));
    cpSync(folder.dir, copy.dir, { recursive: true });
    rmSync(copy.checkpointDir('teacher', 'best'), { recursive: true });
    rmSync(copy.path(attentionSampleFile(other)), { force: true });
    assert.deepEqual(await failing.read(copy.dir, other), { problem: `teacher: its best checkpoint is missing: expected ${copy.checkpointDir('teacher', 'best')}/model.json` });

    // The webview's request is validated before the host acts on it.
    assert.ok(WebviewToHost.safeParse({ type: 'requestAttention', runDir: folder.dir, sample: 3 }).success);
    for (const sample of [-1, 1.5, '3', null]) assert.equal(WebviewToHost.safeParse({ type: 'requestAttention', runDir: folder.dir, sample }).success, false, String(sample));
  });

  test('a sample out of range, a run without transformers and a missing checkpoint are refused, each named', async () => {
    const r = runCli(folder.dir, '--sample', String(index.count));
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`sample ${index.count} is out of range: this run has ${index.count} validation samples, expected 0 … ${index.count - 1}`));
    const bad = runCli(folder.dir, '--sample', 'two');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--sample: expected a whole number ≥ 0, got "two"/);

    const copy = new RunFolder(dir.path('copy'));
    cpSync(folder.dir, copy.dir, { recursive: true });
    rmSync(copy.checkpointDir('student', 'best'), { recursive: true });
    await assert.rejects(computeAttentionSample(copy.dir, 0), (e: Error) => e.message === `student: its best checkpoint is missing: expected ${copy.checkpointDir('student', 'best')}/model.json`);
    const summary = copy.readSummary()!;
    writeFileSync(copy.path('summary.json'), JSON.stringify({ ...summary, knowledge: { ...summary.knowledge!, models: summary.knowledge!.models.map(({ attention: _, ...m }) => m) } }));
    await assert.rejects(computeAttentionSample(copy.dir, 0), /no model of this run has attention maps — only transformers on text data have them/);
  });
});
