import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { batches } from '../../src/core/data/batches';
import { KnowledgeDistiller } from '../../src/core/distill/kd';
import { buildModel } from '../../src/core/models/zoo';
import { runExperiment } from '../../src/core/run/experiment';
import { RunFolder } from '../../src/shared/run-folder';
import { loadBuiltin } from '../../src/core/data/builtin';
import { createOptimizer } from '../../src/core/train/optimizer';
import { trainStep } from '../../src/core/train/step';
import type { TrainerEvent } from '../../src/shared/protocol';
import { tinyConfig } from '../support/tiny-config';

describe('training loop', () => {
  let dir: string;
  before(async () => {
    await initBackend('wasm', () => {});
    dir = mkdtempSync(join(tmpdir(), 'distill-training-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no tensor leak: the tensor count stays flat over 50 KD steps of a CNN student', () => {
    const data = loadBuiltin();
    const shape = data.inputShape;
    const teacher = buildModel({ arch: 'cnn', widths: [8, 16] }, { inputShape: shape, numClasses: 10, seed: 1, role: 'teacher' });
    const student = buildModel({ arch: 'cnn', widths: [4] }, { inputShape: shape, numClasses: 10, seed: 2, role: 'student' });
    const distiller = new KnowledgeDistiller(student, teacher, { temperature: 4, alpha: 0.9 });
    const { optimizer } = createOptimizer({ epochs: 1, batchSize: 32, optimizer: { kind: 'sgd', momentum: 0.9 }, learningRate: 0.01, schedule: { kind: 'constant' }, weightDecay: 5e-4 });
    const counts: number[] = [];
    let step = 0;
    for (const batch of batches(data.train, shape, 32, { shuffleSeed: 3 })) {
      trainStep(distiller, optimizer, { x: batch.x, y: batch.y, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 5e-4);
      tf.dispose([batch.x, batch.y]);
      counts.push(tf.memory().numTensors);
      if (++step === 50) break;
    }
    // The first steps create the optimizer's slots; from then on nothing may accumulate.
    assert.equal(counts[49], counts[4], `tensor counts: ${counts.join(',')}`);
    optimizer.dispose();
    teacher.dispose();
    student.dispose();
  });

  async function epochsOf(config: unknown, name: string): Promise<Extract<TrainerEvent, { type: 'epoch' }>[]> {
    const events: TrainerEvent[] = [];
    await runExperiment(config, { runDir: join(dir, name), onEvent: (e) => events.push(e) });
    return events.filter((e) => e.type === 'epoch') as Extract<TrainerEvent, { type: 'epoch' }>[];
  }

  test('the same seed gives the same metrics; another seed does not', async () => {
    const a = await epochsOf(tinyConfig({ seed: 5 }), 'seed-a');
    const b = await epochsOf(tinyConfig({ seed: 5 }), 'seed-b');
    const c = await epochsOf(tinyConfig({ seed: 6 }), 'seed-c');
    const strip = (epochs: typeof a) => epochs.map(({ seconds: _s, ...rest }) => rest);
    assert.deepEqual(strip(a), strip(b));
    assert.notDeepEqual(
      strip(a).map((e) => e.losses),
      strip(c).map((e) => e.losses),
    );
  });

  test('loss falls and the student beats chance in a few KD epochs', async () => {
    const epochs = await epochsOf(
      tinyConfig({ teacher: { model: { arch: 'mlp', hidden: [64] }, train: { epochs: 3 } }, train: { epochs: 3, batchSize: 32, learningRate: 3e-3 }, baseline: false }),
      'falls',
    );
    const student = epochs.filter((e) => e.phase === 'student');
    assert.ok(student[2].losses.total < student[0].losses.total, `total loss ${student.map((e) => e.losses.total.toFixed(3)).join(' → ')}`);
    assert.ok(student[2].valAccuracy.student > 0.5, `val accuracy ${student[2].valAccuracy.student}`);
  });

  test('a CNN teacher learns on WASM: every conv, BN and pooling kernel trains correctly end to end', async () => {
    const config = tinyConfig({
      method: { name: 'teacher' },
      data: { dataset: { kind: 'builtin' }, limitTrain: 1500, limitValidation: 300 },
      teacher: { model: { arch: 'cnn', widths: [8, 16], dense: 32 }, train: { epochs: 2, batchSize: 32, learningRate: 3e-3 } },
    });
    const epochs = await epochsOf(config, 'cnn-teacher');
    const last = epochs.at(-1)!;
    assert.ok(last.losses.total < epochs[0].losses.total, `loss ${epochs.map((e) => e.losses.total.toFixed(3)).join(' → ')}`);
    assert.ok(last.valAccuracy.teacher > 0.6, `validation accuracy ${last.valAccuracy.teacher}`);
  });

  test('unlabeled transfer never reads labels: with every transfer label wrong it still learns the classes', async () => {
    // Transfer set = the built-in training images, each labelled with the next class. A method
    // that read those labels would learn the shifted classes (near 0% accuracy); soft targets
    // alone carry the right ones.
    const data = loadBuiltin();
    const { writeFileSync } = await import('node:fs');
    const { gzipSync } = await import('node:zlib');
    const count = 2000;
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(count, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    const pixels = Buffer.from(Array.from(data.train.x.subarray(0, count * 784), (v) => Math.round(v * 255)));
    writeFileSync(join(dir, 'transfer-images.gz'), gzipSync(Buffer.concat([header, pixels])));
    const labels = Buffer.alloc(8 + count);
    labels.writeUInt32BE(0x801, 0);
    labels.writeUInt32BE(count, 4);
    for (let i = 0; i < count; i++) labels[8 + i] = (data.train.y[i] + 1) % 10;
    writeFileSync(join(dir, 'transfer-labels.gz'), gzipSync(labels));
    const config = tinyConfig({
      method: { name: 'unlabeled', transfer: { kind: 'idx', trainImages: join(dir, 'transfer-images.gz'), trainLabels: join(dir, 'transfer-labels.gz') } },
      teacher: { model: { arch: 'mlp', hidden: [64] }, train: { epochs: 3 } },
      train: { epochs: 2, batchSize: 32, learningRate: 3e-3 },
      baseline: false,
    });
    const epochs = await epochsOf(config, 'unlabeled');
    const last = epochs.at(-1)!;
    assert.equal(last.phase, 'student');
    assert.deepEqual(Object.keys(last.losses).sort(), ['kd', 'total']);
    assert.ok(last.valAccuracy.student > 0.5, `student val accuracy ${last.valAccuracy.student}`);
  });

  test('divergence: Adam at learning rate 1e6 fails the run, naming the model, epoch and step; a normal run does not trip the rule', async () => {
    const diverging = tinyConfig({
      method: { name: 'teacher' },
      teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 3, batchSize: 32, learningRate: 1e6, optimizer: { kind: 'adam' } } },
    });
    const events: TrainerEvent[] = [];
    await assert.rejects(runExperiment(diverging, { runDir: join(dir, 'diverged'), onEvent: (e) => events.push(e) }), /training diverged: total loss .* at epoch \d+, step \d+ of teacher/);
    const failed = events.find((e) => e.type === 'failed') as Extract<TrainerEvent, { type: 'failed' }> | undefined;
    assert.match(failed?.message ?? '', /training diverged: .* at epoch \d+, step \d+ of teacher, above 10000× its start/);
    assert.equal(new RunFolder(join(dir, 'diverged')).readRecord()!.status, 'failed');
    // The same run at a sane rate completes.
    const sane = tinyConfig({ method: { name: 'teacher' }, teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 3, batchSize: 32, learningRate: 3e-3, optimizer: { kind: 'adam' } } } });
    const outcome = await runExperiment(sane, { runDir: join(dir, 'sane') });
    assert.equal(outcome.status, 'completed');
  });

  test('a cancelled run keeps its epochs and marks itself cancelled', async () => {
    let epochs = 0;
    const outcome = await runExperiment(tinyConfig({ teacher: { model: { arch: 'mlp', hidden: [16] }, train: { epochs: 10 } } }), {
      runDir: join(dir, 'cancelled'),
      onEvent: (e) => (epochs += e.type === 'epoch' ? 1 : 0),
      isCancelled: () => epochs >= 2,
    });
    assert.equal(outcome.status, 'cancelled');
    const folder = new RunFolder(join(dir, 'cancelled'));
    assert.equal(folder.readRecord()!.status, 'cancelled');
    assert.equal(folder.readEvents().filter((e) => e.type === 'epoch').length, 2);
  });
});
