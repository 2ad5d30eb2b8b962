// The host ⇄ trainer contract: each end parses what it receives and refuses what does not fit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExperimentConfig, parseHostMessage, parseTrainerEvent, type TrainerEvent } from '../../src/shared/protocol';

const epoch: TrainerEvent = {
  type: 'epoch',
  phase: 'student',
  epoch: 1,
  epochs: 2,
  losses: { ce: 1, kd: 0.5, total: 1.5 },
  trainAccuracy: { student: 0.5 },
  valAccuracy: { student: 0.4, teacher: 0.9 },
  agreement: 0.6,
  learningRate: 0.001,
  seconds: 1.2,
};

describe('messages from the trainer (parsed by the host)', () => {
  test('every kind of event passes as sent', () => {
    const events: TrainerEvent[] = [
      { type: 'started', runId: 'run-1', backend: 'wasm', config: parseExperimentConfig({}), phases: ['teacher', 'student'] },
      { type: 'progress', phase: 'teacher', epoch: 1, epochs: 2, step: 3, steps: 10, losses: { total: 2 } },
      { type: 'steps', phase: 'student', epoch: 1, epochs: 2, steps: 10, points: [{ step: 5, losses: { ce: 1, kd: 0.5, total: 1.5 }, accuracy: 0.25 }] },
      {
        type: 'predictionInputs',
        samples: [
          { index: 0, label: 1, image: { width: 1, height: 1, channels: 1, pixels: [0.5] } },
          { index: 3, label: 0 },
        ],
      },
      { type: 'predictions', phase: 'student', epoch: 1, classNames: ['a', 'b'], samples: [{ index: 0, label: 1, logits: { student: [0.1, 0.9] } }] },
      epoch,
      {
        type: 'predictions',
        phase: 'student',
        epoch: 1,
        classNames: ['a', 'b'],
        samples: [{ index: 0, label: 1, image: { width: 1, height: 1, channels: 1, pixels: [0.5] }, logits: { student: [0.1, 0.9] } }],
      },
      { type: 'checkpoint', phase: 'student', epoch: 1, kind: 'best', path: '/runs/x' },
      { type: 'finished', summary: { experiment: 'e', method: 'kd', dataset: 'd', backend: 'wasm', seed: 1, wallTimeSec: 3, models: [] } },
      { type: 'cancelled' },
      { type: 'failed', message: 'boom' },
      { type: 'log', level: 'warn', message: 'careful' },
    ];
    for (const event of events) assert.deepEqual(parseTrainerEvent(event), { ok: true, message: event }, event.type);
  });

  test('a NaN that JSON carried as null comes back as NaN', () => {
    const received = parseTrainerEvent(JSON.parse(JSON.stringify({ ...epoch, losses: { total: Number.NaN } })));
    assert.ok(received.ok && received.message.type === 'epoch');
    assert.ok(Number.isNaN(received.message.losses.total));
  });

  test('malformed events are refused, saying what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...epoch, epoch: 'one' }, /^malformed event from the trainer "epoch": epoch: Expected number, received string/],
      [{ type: 'progress', phase: 'teacher' }, /"progress": epoch: Required/],
      [{ type: 'finished', summary: { models: [] } }, /summary\.experiment: Required/],
      [{ type: 'finished', summary: { experiment: 'e', method: 'no-such-method', dataset: 'd', backend: 'b', seed: 1, wallTimeSec: 1, models: [] } }, /summary\.method: expected one of "teacher"/],
      [{ type: 'log', level: 'loud', message: 'x' }, /level: Invalid enum value/],
      [{ type: 'explode' }, /"explode": type: Invalid discriminator value/],
      [null, /^malformed event from the trainer: \(message\): Expected object, received null/],
      ['finished', /Expected object, received string/],
    ];
    for (const [raw, problem] of cases) {
      const received = parseTrainerEvent(raw);
      assert.equal(received.ok, false, JSON.stringify(raw));
      assert.match((received as { problem: string }).problem, problem);
    }
  });
});

describe('messages from the host (parsed by the trainer)', () => {
  test('start and cancel pass', () => {
    assert.deepEqual(parseHostMessage({ type: 'start', config: { name: 'x' }, runDir: '/runs/x/run-1', baseDir: '/ws' }), {
      ok: true,
      message: { type: 'start', config: { name: 'x' }, runDir: '/runs/x/run-1', baseDir: '/ws' },
    });
    assert.deepEqual(parseHostMessage({ type: 'cancel' }), { ok: true, message: { type: 'cancel' } });
  });

  test('malformed ones are refused, saying what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'start', config: {} }, /^malformed message from the host "start": runDir: Required/],
      [{ type: 'start', config: {}, runDir: '' }, /runDir: String must contain at least 1 character/],
      [{ type: 'stop' }, /"stop": type: Invalid discriminator value/],
      [undefined, /Required/],
    ];
    for (const [raw, problem] of cases) {
      const received = parseHostMessage(raw);
      assert.equal(received.ok, false, JSON.stringify(raw));
      assert.match((received as { problem: string }).problem, problem);
    }
  });
});
