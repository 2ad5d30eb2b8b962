import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSummary, RunSummary } from '../../src/shared/protocol';
import { comparisonTable, studentBudget, summaryTable } from '../../src/shared/report-table';

const row = (role: string, bestEpoch: number, epochs?: number): ModelSummary => ({
  role,
  arch: 'mlp 8',
  params: 100,
  bytes: 400,
  bestValAccuracy: 0.853,
  bestEpoch,
  ...(epochs !== undefined ? { epochs } : {}),
  lastValAccuracy: 0.85,
  latencyMs: 0.1,
  wallTimeSec: 1,
});

const summary = (models: ModelSummary[]): RunSummary => ({ experiment: 'x', method: 'fitnet', dataset: 'd', backend: 'cpu', seed: 0, wallTimeSec: 1, models });

test('best val acc says the epoch of the best out of the epochs trained; older rows keep "ep N"', () => {
  const table = summaryTable(summary([row('teacher', 0), row('student-scratch', 7, 20), row('student', 3)]));
  const line = (role: string) => table.split('\n').find((l) => l.startsWith(role))!;
  assert.match(line('student-scratch'), /85\.30% \(ep 7\/20\)/);
  assert.match(line('student '), /85\.30% \(ep 3\)/);
  assert.doesNotMatch(line('teacher'), /\(ep/);
});

test("a student trained in stages: its budget beside the baseline's, under the table", () => {
  const models = [row('teacher', 5, 5), row('student-scratch', 18, 20), row('student-hint', 4, 4), row('student', 12, 16)];
  // 4 + 16 = 20 epochs, as the baseline's 20.
  assert.equal(studentBudget(models), 'student-hint 4 ep + student 16 ep = 20 ep; baseline student-scratch 20 ep');
  assert.match(summaryTable(summary(models)), /\nstudent budget: student-hint 4 ep \+ student 16 ep = 20 ep; baseline student-scratch 20 ep$/);
  assert.match(comparisonTable([{ id: 'e/r1', status: 'completed', summary: summary(models) }]), /\nstudent budget of e\/r1: student-hint 4 ep \+ student 16 ep = 20 ep/);
  // One stage, or rows without epochs: nothing to say.
  assert.equal(studentBudget([row('student-scratch', 1, 20), row('student', 1, 20)]), undefined);
  assert.equal(studentBudget([row('student-hint', 1), row('student', 1)]), undefined);
});
