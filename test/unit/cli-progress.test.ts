// The CLI's line per epoch: loss terms, the phase's train and validation accuracy, agreement and
// time. An ensemble (multi-teacher's teacher-ensemble) is evaluated, not trained: it has no loss
// terms and no train accuracy, and its line says so rather than printing NaN.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochLine, progressPrinter } from '../../src/cli/progress';
import type { TrainerEvent } from '../../src/shared/protocol';

type EpochEvent = Extract<TrainerEvent, { type: 'epoch' }>;

const studentEpoch: EpochEvent = {
  type: 'epoch',
  phase: 'student',
  epoch: 2,
  epochs: 3,
  losses: { ce: 0.51234, kd: 1.25, total: 1.76234 },
  trainAccuracy: { student: 0.8125 },
  valAccuracy: { student: 0.78125, teacher: 0.9 },
  agreement: 0.84375,
  valKl: 0.2,
  learningRate: 1e-3,
  seconds: 12.34,
};

// As src/core/run/plans/ensemble.ts reports the ensemble of a multi-teacher run.
const ensembleEpoch: EpochEvent = {
  type: 'epoch',
  phase: 'teacher-ensemble',
  epoch: 1,
  epochs: 1,
  losses: {},
  trainAccuracy: {},
  valAccuracy: { 'teacher-ensemble': 0.84375, teacher: 0.8125 },
  agreement: 1,
  valKl: 0,
  learningRate: 0,
  seconds: 0.05,
};

test("a trained model's epoch line: its loss terms, train and val accuracy, agreement, seconds", () => {
  assert.equal(epochLine(studentEpoch), 'student epoch 2/3  ce 0.5123  kd 1.2500  total 1.7623  train 81.25%  val 78.13%  agreement 84.4%  (12.3 s)\n');
});

test("the ensemble's line has no loss terms and no train accuracy (—), not NaN", () => {
  const line = epochLine(ensembleEpoch);
  assert.equal(line, 'teacher-ensemble epoch 1/1  train —  val 84.38%  agreement 100.0%  (0.1 s)\n');
  assert.doesNotMatch(line, /NaN/);
});

test('an accuracy that arrived as null (NaN after parsing) or is missing prints —', () => {
  const line = epochLine({ ...studentEpoch, trainAccuracy: { student: Number.NaN }, valAccuracy: {}, agreement: undefined });
  assert.equal(line, 'student epoch 2/3  ce 0.5123  kd 1.2500  total 1.7623  train —  val —  (12.3 s)\n');
});

test('the printer writes the epoch lines of a multi-teacher run without NaN when not on a terminal', () => {
  const written: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  const print = progressPrinter(stream);
  print(ensembleEpoch);
  print(studentEpoch);
  assert.deepEqual(written, [epochLine(ensembleEpoch), epochLine(studentEpoch)]);
  assert.ok(written.every((line) => !line.includes('NaN')));
});
