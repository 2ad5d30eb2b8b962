// Issue 8's "Done when" in a real VS Code: a user runs "Run Embedding + Hidden Distillation
// (TinyBERT-style)" from the palette, picks the built-in text demo, and gets the text demo with
// TinyBERT; the same demo made small (a config saved in the workspace and picked in the same quick
// pick) trains both TinyBERT stages live, completes, shows in the tree, and leaves text predictions
// and attention maps that the dashboard's host code reads. DistilBERT, PKD and MiniLM likewise from
// their own commands; multi-teacher on the text demo with its defaults.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { DEMO_TEXT_CONFIG } from '../../src/cli/demo-config';
import { runAttentionProcess } from '../../src/host/attention-process';
import { AttentionSamples } from '../../src/host/dashboard/attention-data';
import type { AttentionSamplePayload } from '../../src/shared/attention-sample';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { readRunHistory } from '../../src/host/dashboard/run-data';
import { findWorkspaceConfigs, workspaceDir } from '../../src/host/experiments/config-source';
import type { DistillApi } from '../../src/host/extension';
import type { RunNode } from '../../src/host/experiments/tree';
import { attentionOffset, attentionSize, checkAttentionLengths, decodeArray, decodeTokenLists, fromBase64 } from '../../src/shared/knowledge-files';
import { methodNamed } from '../../src/shared/methods';
import { parseExperimentConfig, type ExperimentConfig, type ExperimentConfigInput, type MethodName, type TrainerEvent } from '../../src/shared/protocol';
import { readSettings } from '../../src/host/settings';
import { resolveNodePath } from '../../src/host/training/node-path';
import { attentionSampleFile, RunFolder } from '../../src/shared/run-folder';
import { api, extension, note, runFromQuickPick, screenshot, waitFor, waitForStatus } from './support';

type Event<T extends TrainerEvent['type']> = Extract<TrainerEvent, { type: T }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const commandOf = (method: MethodName) => methodNamed(method)!.command;

/**
 * The text demo as a user would shrink it in the form or its saved config: fewer messages, one
 * epoch of two steps per model, four prediction samples; the demo's data set, transformers, batch,
 * optimizer and seed unchanged.
 */
function smallTextDemo(method: ExperimentConfigInput['method'] & object): ExperimentConfigInput {
  return {
    ...DEMO_TEXT_CONFIG,
    name: `it-text-${method.name}`,
    method,
    data: { ...DEMO_TEXT_CONFIG.data, limitTrain: 128, limitValidation: 32, limitTest: 32 },
    teacher: { ...DEMO_TEXT_CONFIG.teacher, train: { epochs: 1 } },
    train: { ...DEMO_TEXT_CONFIG.train, epochs: 1, maxStepsPerEpoch: 2 },
    predictionSamples: 4,
  };
}

function runNode(distill: DistillApi, runDir: string): RunNode {
  const entry = distill.store.find(runDir);
  assert.ok(entry, `${runDir} is in the store`);
  return { kind: 'run', runDir, entry };
}

function fileEvents<T extends TrainerEvent['type']>(runDir: string, type: T): Event<T>[] {
  return new RunFolder(runDir).readEvents().filter((e): e is Event<T> & { time: string } => e.type === type);
}

/** Each epoch of `phase` reports exactly `terms` and total, all finite, the terms summing to the total. */
function assertTerms(runDir: string, phase: string, terms: string[]): void {
  const epochs = fileEvents(runDir, 'epoch').filter((e) => e.phase === phase);
  assert.ok(epochs.length > 0, `${runDir}: no epoch of ${phase}`);
  for (const { losses } of epochs) {
    assert.deepEqual(Object.keys(losses).sort(), [...terms, 'total'].sort(), `${phase}: loss terms`);
    for (const [term, value] of Object.entries(losses)) assert.ok(Number.isFinite(value), `${phase}: ${term} = ${value}`);
    const sum = terms.reduce((s, t) => s + losses[t], 0);
    assert.ok(Math.abs(sum - losses.total) <= 1e-4 * Math.max(1, Math.abs(sum)), `${phase}: the terms sum to ${sum}, total ${losses.total}`);
  }
}

/**
 * The run's stored attention maps, read as the knowledge index describes them: for each model
 * with maps, layers · heads · Σ n_s² probabilities, every query row summing to 1; the samples are
 * prediction samples and their tokens are the first n_s the model read. The host's attention read
 * (what the dashboard's attention view is sent for a sample) gives each stored sample's slice.
 */
async function assertAttention(runDir: string, expected: Record<string, { layers: number; heads: number }>): Promise<void> {
  const read = readRunKnowledge(runDir);
  assert.ok(read.knowledge, `the dashboard's knowledge read: ${read.problem}`);
  const index = read.knowledge.index;
  const stored = index.attention;
  assert.ok(stored && stored.count > 0, 'attention samples are stored');
  const folder = new RunFolder(runDir);
  const bytes = (file: string) => new Uint8Array(readFileSync(folder.path(file)));
  const indices = decodeArray(bytes(stored.indices), 'int32', stored.count, stored.indices);
  const lengths = checkAttentionLengths(decodeArray(bytes(stored.lengths), 'int32', stored.count, stored.lengths), stored.lengths);
  const tokens = decodeTokenLists(bytes(stored.tokens), lengths, stored.tokens);
  const inputs = fileEvents(runDir, 'predictionInputs')[0].samples;
  indices.forEach((sample, s) => {
    const input = inputs.find((i) => i.index === sample);
    assert.ok(input, `attention sample ${sample} is a prediction sample`);
    assert.deepEqual(tokens[s], input.tokens!.slice(0, lengths[s]), `the tokens of attention sample ${sample}`);
  });
  const withMaps = Object.fromEntries(index.models.flatMap((m) => (m.attention ? [[m.role, { layers: m.attention.layers, heads: m.attention.heads }]] : [])));
  for (const [role, shape] of Object.entries(expected)) assert.deepEqual(withMaps[role], shape, `${role}'s attention maps`);
  for (const model of index.models) {
    if (!model.attention) continue;
    const { layers, heads } = model.attention;
    const values = decodeArray(bytes(model.attention.file), 'float32', attentionSize(lengths, layers, heads), model.attention.file);
    let offset = 0;
    for (let s = 0; s < stored.count; s++) {
      const n = lengths[s];
      for (let row = 0; row < layers * heads * n; row++, offset += n) {
        const sum = values.subarray(offset, offset + n).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-3, `${model.role}: sample ${s}, row ${row} sums to ${sum}`);
      }
    }
    assert.equal(offset, values.length);
  }
  const view = new AttentionSamples(undefined);
  for (let s = 0; s < stored.count; s++) {
    const sent = await view.read(runDir, indices[s]);
    assert.ok(sent.maps, `the attention view's read of sample ${indices[s]}: ${sent.problem}`);
    assert.deepEqual(sent.maps.tokens, tokens[s]);
    const n = lengths[s];
    for (const model of index.models) {
      if (!model.attention) continue;
      const { layers, heads } = model.attention;
      const maps: AttentionSamplePayload['models'][number] | undefined = sent.maps.models.find((m) => m.role === model.role);
      assert.ok(maps && maps.layers === layers && maps.heads === heads, `${model.role}'s maps of sample ${indices[s]}`);
      const all: Float32Array = decodeArray(bytes(model.attention.file), 'float32', attentionSize(lengths, layers, heads), model.attention.file);
      const start = attentionOffset(lengths, layers, heads, s);
      assert.deepEqual(decodeArray(fromBase64(maps.values), 'float32', layers * heads * n * n, model.role), all.slice(start, start + layers * heads * n * n));
    }
  }
}

describe('text: the TinyBERT, DistilBERT, PKD and MiniLM commands on the built-in text set', function () {
  this.timeout(240_000);
  let distill: DistillApi;
  /** Every trainer event of every run, as the host received it. */
  const live = new Map<string, TrainerEvent[]>();
  /** Every description the tree gave each run while it changed. */
  const shown = new Map<string, Set<string>>();
  const disposables: vscode.Disposable[] = [];
  let savedConfig: string | undefined;

  before(async () => {
    distill = await api();
    // One trainer at a time: the runs are small, the machine's two cores shared.
    await vscode.workspace.getConfiguration('distill').update('maxParallelRuns', 1, vscode.ConfigurationTarget.Workspace);
    disposables.push(
      distill.runner.onTrainerEvent(({ runDir, event }) => live.set(runDir, [...(live.get(runDir) ?? []), event])),
      distill.runner.onDidChange(() => {
        for (const job of distill.runner.jobs) {
          const entry = distill.store.find(job.runDir);
          if (entry) shown.set(job.runDir, (shown.get(job.runDir) ?? new Set()).add(distill.tree.runDescription(entry)));
        }
      }),
    );
  });
  // A failed test must not leave a run behind for the next ones to queue after.
  afterEach(async () => {
    if (distill.runner.jobs.length === 0) return;
    for (const job of distill.runner.jobs) await vscode.commands.executeCommand('distill.stopRun', { runDir: job.runDir });
    await waitFor('the runner to let the runs go', () => distill.runner.jobs.length === 0, 60_000);
  });
  after(async () => {
    for (const d of disposables) d.dispose();
    if (savedConfig) rmSync(savedConfig, { force: true });
    await vscode.workspace.getConfiguration('distill').update('maxParallelRuns', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('"Run Embedding + Hidden Distillation (TinyBERT-style)" without a config offers the built-in text demo; picking it starts the text demo with TinyBERT', async () => {
    const command = commandOf('tinybert');
    assert.equal(command.title, 'Run Embedding + Hidden Distillation (TinyBERT-style)');
    // The quick pick: the image demo, the text demo, the workspace's configs, "Choose a config file…".
    const runDir = await runFromQuickPick(command.id, 1, 'text-demo-quick-pick');
    assert.ok(runDir, 'a run was started');
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as ExperimentConfig;
    // Filed under a name that says its method, not the demo's DistilBERT.
    const expected = parseExperimentConfig({ ...DEMO_TEXT_CONFIG, name: 'demo-text-tinybert', method: { name: 'tinybert' } });
    for (const key of ['name', 'data', 'teacher', 'student', 'method', 'baseline', 'seed'] as const) assert.deepEqual(config[key], expected[key], `config.${key}`);
    for (const key of ['epochs', 'batchSize', 'learningRate', 'optimizer'] as const) assert.deepEqual(config.train[key], expected.train[key], `config.train.${key}`);
    assert.equal(distill.store.find(runDir)?.record.method, 'tinybert');
    // The full demo trains for minutes: stopped here; the small one below trains to the end.
    await vscode.commands.executeCommand('distill.stopRun', { runDir });
    assert.equal((await waitForStatus(distill, runDir, ['cancelled', 'failed', 'completed'], 60_000)).status, 'cancelled');
    await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
  });

  let tinyRun: string | undefined;

  it('the text demo made small, saved in the workspace and picked the same way: both TinyBERT stages train and are shown live; the run completes and the tree shows it', async () => {
    const folder = workspaceDir();
    assert.ok(folder, 'a workspace is open');
    savedConfig = join(folder, 'text-demo-small.distill.json');
    writeFileSync(savedConfig, `${JSON.stringify(smallTextDemo({ name: 'tinybert' }), null, 2)}\n`);
    const listed = (await findWorkspaceConfigs(distill.store.runsDir)).map((c) => c.file);
    assert.ok(listed.includes(savedConfig), `the quick pick lists ${savedConfig}: ${listed.join(', ')}`);
    const started = Date.now();
    tinyRun = await runFromQuickPick(commandOf('tinybert').id, 2 + listed.indexOf(savedConfig), 'text-small-quick-pick');
    assert.ok(tinyRun, 'a run was started');
    const runDir = tinyRun;
    assert.equal(distill.store.find(runDir)?.experiment, 'it-text-tinybert');
    const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled'], 180_000);
    note(`TinyBERT on the small text demo: ${((Date.now() - started) / 1000).toFixed(1)} s from the command to completed`);
    assert.equal(record.status, 'completed', record.error?.message);
    assert.equal(record.method, 'tinybert');

    // Both stages: stage 1 matches embeddings, hidden states and attention scores; stage 2 the predictions.
    assert.deepEqual(fileEvents(runDir, 'started')[0].phases, ['teacher', 'student-scratch', 'student-intermediate', 'student']);
    assertTerms(runDir, 'student-intermediate', ['embedding', 'hidden', 'attention']);
    assertTerms(runDir, 'student', ['soft']);
    // The host heard the same epochs live (what the dashboard's charts draw as they come).
    const liveEpochs = (live.get(runDir) ?? []).filter((e): e is Event<'epoch'> => e.type === 'epoch');
    assert.deepEqual(
      liveEpochs.map((e) => [e.phase, e.losses]),
      fileEvents(runDir, 'epoch').map((e) => [e.phase, e.losses]),
    );
    // The tree showed each stage while it trained.
    const descriptions = [...(shown.get(runDir) ?? [])];
    for (const phase of ['student-intermediate', 'student']) {
      assert.ok(
        descriptions.some((d) => new RegExp(`^tinybert · ${phase} · epoch 1/1 · step \\d/2 · \\d+%$`).test(d)),
        `${phase} shown while it trained: ${descriptions.join(' | ')}`,
      );
    }
    await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
    const node = runNode(distill, runDir);
    const item = distill.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'run.completed');
    assert.match(String(item.description), /^tinybert · student \d+\.\d% test$/);
    assert.deepEqual(
      distill.tree.getChildren(node).map((child) => (child.kind === 'model' ? child.model.role : child.kind)),
      ['teacher', 'student-scratch', 'student-intermediate', 'student'],
    );
  });

  it("the run's text predictions (message, tokens, each stage's top classes beside the teacher's) reach the dashboard", async () => {
    assert.ok(tinyRun, 'the TinyBERT run above');
    const runDir = tinyRun;
    const [inputs] = fileEvents(runDir, 'predictionInputs');
    assert.equal(inputs.samples.length, 4);
    for (const sample of inputs.samples) {
      assert.ok(sample.text && sample.text.trim().length > 0, `sample ${sample.index} has its message`);
      assert.equal(sample.image, undefined);
      const tokens = sample.tokens ?? [];
      const { model } = parseExperimentConfig(DEMO_TEXT_CONFIG).teacher;
      const maxLength = model.arch === 'transformer' ? model.maxLength : 0;
      assert.ok(tokens.length >= 2 && tokens.length <= maxLength, `sample ${sample.index}: ${tokens.length} tokens`);
      assert.deepEqual([tokens[0], tokens.at(-1)], ['[CLS]', '[SEP]']);
    }
    const predictions = fileEvents(runDir, 'predictions');
    for (const phase of ['student-intermediate', 'student']) {
      const latest = predictions.filter((p) => p.phase === phase).at(-1);
      assert.ok(latest, `predictions of ${phase}`);
      assert.deepEqual(latest.classNames, ['ham', 'hard ham', 'spam']);
      assert.deepEqual(
        latest.samples.map((s) => s.index),
        inputs.samples.map((s) => s.index),
      );
      for (const sample of latest.samples) {
        assert.deepEqual(Object.keys(sample.logits).sort(), [phase, 'teacher'].sort());
        for (const logits of Object.values(sample.logits)) assert.equal(logits.length, 3);
      }
    }
    // What the dashboard is sent when it opens the run (the host's readRunHistory): the inputs with their text, and each stage's latest predictions.
    const history = readRunHistory(runDir);
    const sent = history.events.filter((e) => e.type === 'predictionInputs');
    assert.deepEqual(sent, [{ type: 'predictionInputs', samples: inputs.samples }]);
    assert.deepEqual(
      history.events.flatMap((e) => (e.type === 'predictions' ? [e.phase] : [])),
      ['teacher', 'student-scratch', 'student-intermediate', 'student'],
    );
    // The user's way there: Open Dashboard on the run.
    await vscode.commands.executeCommand('distill.openDashboard', { runDir });
    await waitFor('the dashboard tab', () =>
      vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('distill.dashboard'))),
    );
    await sleep(2000);
    await screenshot('text-run-dashboard');
  });

  it("the teacher's and the students' attention maps of the stored samples, as the dashboard's knowledge and attention reads find them", async () => {
    assert.ok(tinyRun, 'the TinyBERT run above');
    await assertAttention(tinyRun, { teacher: { layers: 4, heads: 2 }, 'student-intermediate': { layers: 2, heads: 2 }, student: { layers: 2, heads: 2 } });
  });

  it("a validation sample the run did not store: its maps computed on request by distill-lab attention under distill.nodePath, as the dashboard's attention view asks, then cached", async () => {
    assert.ok(tinyRun, 'the TinyBERT run above');
    const runDir = tinyRun;
    const index = readRunKnowledge(runDir).knowledge!.index;
    const folder = new RunFolder(runDir);
    const stored = decodeArray(new Uint8Array(readFileSync(folder.path(index.attention!.indices))), 'int32', index.attention!.count, 'indices');
    const sample = [...Array(index.count).keys()].reverse().find((i) => !stored.includes(i))!;
    // The composition dashboard-link.ts gives the dashboard: the setting's Node, the extension's own CLI, the workspace as base.
    let processes = 0;
    const view = new AttentionSamples((dir, n, out) => {
      processes++;
      const options = { nodePath: resolveNodePath(readSettings().nodePath), cliScript: join(extension().extensionPath, 'dist', 'cli.js'), baseDir: workspaceDir()! };
      return runAttentionProcess(options, dir, n, out);
    });
    const started = Date.now();
    const sent = await view.read(runDir, sample);
    note(`attention maps of validation sample ${sample} on request: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(sent.maps, `sample ${sample}: ${sent.problem}`);
    assert.equal(processes, 1);
    assert.ok(existsSync(folder.path(attentionSampleFile(sample))), 'cached in the run folder');
    const { tokens, models } = sent.maps;
    assert.deepEqual([tokens[0], tokens.at(-1)], ['[CLS]', '[SEP]']);
    // Every transformer of the run, as for the stored samples: the teacher (4x64h2) and each student stage (2x64h2).
    assert.deepEqual(
      models.map((m) => [m.role, m.layers, m.heads]),
      index.models.flatMap((m) => (m.attention ? [[m.role, m.attention.layers, m.attention.heads]] : [])),
    );
    assert.deepEqual(
      models.map((m) => m.role),
      ['teacher', 'student-scratch', 'student-intermediate', 'student'],
    );
    const n = tokens.length;
    for (const m of models) {
      const values = decodeArray(fromBase64(m.values), 'float32', m.layers * m.heads * n * n, m.role);
      for (let row = 0; row < m.layers * m.heads * n; row++) {
        const sum = values.subarray(row * n, row * n + n).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-3, `${m.role}: row ${row} of sample ${sample} sums to ${sum}`);
      }
    }
    assert.deepEqual(await view.read(runDir, sample), sent, 'asked again: the cached maps');
    assert.equal(processes, 1, 'no second process');
    const outOfRange = await view.read(runDir, index.count);
    assert.match(outOfRange.problem ?? '', new RegExp(`${index.count}`), 'an out-of-range sample is named');
  });

  for (const [method, stages] of [
    ['distilbert', { student: ['kd', 'cos', 'ce'] }],
    ['pkd', { student: ['ce', 'kd', 'pkd'] }],
    ['minilm', { 'student-intermediate': ['attention', 'value'], student: ['ce'] }],
  ] as const) {
    it(`${commandOf(method).title} on the small text demo: its stages train with their own terms, and attention maps are stored`, async () => {
      const started = Date.now();
      const runDir = await vscode.commands.executeCommand<string>(commandOf(method).id, smallTextDemo({ name: method }));
      assert.ok(runDir, 'a run was started');
      const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled'], 180_000);
      note(`${method} on the small text demo: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(record.status, 'completed', record.error?.message);
      assert.equal(record.method, method);
      assert.deepEqual(fileEvents(runDir, 'started')[0].phases, ['teacher', 'student-scratch', ...Object.keys(stages)]);
      for (const [phase, terms] of Object.entries(stages)) assertTerms(runDir, phase, [...terms]);
      assert.ok(fileEvents(runDir, 'predictionInputs')[0].samples.every((s) => s.text && s.tokens?.[0] === '[CLS]'));
      await assertAttention(runDir, { teacher: { layers: 4, heads: 2 }, student: { layers: 2, heads: 2 } });
      await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
      assert.match(String(distill.tree.getTreeItem(runNode(distill, runDir)).description), new RegExp(`^${method} · student \\d+\\.\\d% test$`));
    });
  }

  it('multi-teacher on the text demo with its defaults: a second transformer teacher, said in the Distill output; an MLP given for it is refused naming the field', async () => {
    const runDir = await vscode.commands.executeCommand<string>(commandOf('multi-teacher').id, smallTextDemo({ name: 'multi-teacher' }));
    assert.ok(runDir, 'a run was started');
    const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled'], 180_000);
    assert.equal(record.status, 'completed', record.error?.message);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as ExperimentConfig;
    assert.deepEqual((config.method as { teachers: unknown }).teachers, [config.teacher.model]);
    assert.deepEqual(
      distill.store.find(runDir)!.summary!.models.map((m) => [m.role, m.arch]),
      [
        ['teacher', 'transformer 4x64h2'],
        ['teacher-2', 'transformer 4x64h2'],
        ['teacher-ensemble', 'ensemble of transformer 4x64h2 + transformer 4x64h2'],
        ['student-scratch', 'transformer 2x64h2'],
        ['student', 'transformer 2x64h2'],
      ],
    );
    assert.match(distill.log.tail(), /it-text-multi-teacher\/run-[^:]+: multi-teacher: the ensemble is teacher \(transformer 4x64h2\), teacher-2 \(transformer 4x64h2\)/);
    await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);

    const before = distill.store.runs.length;
    const refused = await vscode.commands.executeCommand(commandOf('multi-teacher').id, smallTextDemo({ name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [256, 256] }] }));
    assert.equal(refused, undefined);
    assert.match(
      distill.log.tail(),
      /config\.method\.teachers\.0\.arch: mlp reads images or features, but data\.dataset is the built-in set "spamassassin" \(token ids\); choose transformer, or leave method\.teachers out/,
    );
    assert.equal(distill.store.runs.length, before);
  });
});
