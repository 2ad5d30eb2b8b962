// The dashboard's study pieces that need no browser: the Study section's model (values as typed →
// a study; the count from the expansion), the study table's ordering, the study messages' schema
// and the host's list of study folders.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { listStudies } from '../../src/host/dashboard/study-data';
import { WebviewToHost, type DashboardStudyRow } from '../../src/shared/protocol';
import { buildStudy, checkStudy, countText, parseValuesText, studyMethodEntry } from '../../webview/study-form-model';
import { deltaText, sortStudyRows, studyProgress, testText } from '../../webview/study-model';

const root = mkdtempSync(join(tmpdir(), 'distill-dashboard-study-'));
after(() => rmSync(root, { recursive: true, force: true }));

const FORM = { name: 'demo', seed: 7, baseline: true, method: { name: 'kd', temperature: 8, alpha: 0.9 }, train: { epochs: 1 } };

describe('the Study section’s model', () => {
  test('values: comma-separated numbers, booleans and words, or a JSON array taken whole', () => {
    assert.deepEqual(parseValuesText(' 2, 4 ,8 '), [2, 4, 8]);
    assert.deepEqual(parseValuesText('true, false, sgd'), [true, false, 'sgd']);
    assert.deepEqual(parseValuesText('[[64], [128, 64]]'), [[64], [128, 64]]);
    assert.deepEqual(parseValuesText('[not json, 3'), ['[not json', 3]);
    assert.deepEqual(parseValuesText(''), []);
  });

  test('the form’s method keeps only the parameters changed from their defaults; other methods are their names', () => {
    assert.deepEqual(studyMethodEntry('kd', FORM), { name: 'kd', temperature: 8 });
    assert.equal(studyMethodEntry('kd', { ...FORM, method: { name: 'kd', temperature: 4 } }), 'kd');
    assert.equal(studyMethodEntry('dkd', FORM), 'dkd');
  });

  test('the study is the form without its method and baseline flag; its count is the expansion’s, by role', () => {
    const input = buildStudy(FORM, { name: '', methods: ['kd', 'dml'], seeds: '1 2', params: [{ path: 'method.temperature', values: '2, 4' }] });
    assert.equal(input.name, 'demo-study');
    assert.deepEqual(input.base, { name: 'demo', seed: 7, train: { epochs: 1 } });
    const check = checkStudy(input);
    assert.ok(check.ok, JSON.stringify(check));
    // A teacher; a scratch per seed; kd per temperature and seed (its own temperature=8 is replaced by the swept one); dml (no temperature) per seed.
    assert.deepEqual(check.count, { total: 1 + 2 + 2 * 2 + 2, teacher: 1, baselines: 2, methods: 6 });
    assert.equal(countText(check.count), '9 runs will start: 1 shared teacher, 2 scratch baselines, 6 method runs');
    assert.deepEqual(checkStudy(buildStudy(FORM, { name: '', methods: [], seeds: '1', params: [] })), { ok: false, problems: ['study.methods: expected an array with at least 1 items, got []'] });
    assert.deepEqual(checkStudy(buildStudy(FORM, { name: '', methods: ['kd'], seeds: '1, 1', params: [] })), { ok: false, problems: ['study.seeds.1: seed 1 is listed twice'] });
  });
});

const row = (label: string, role: DashboardStudyRow['role'], testMean: number | null, delta?: number | null): DashboardStudyRow => ({
  label,
  role,
  method: label.split(' ')[0],
  params: {},
  members: 2,
  completed: 2,
  failed: 0,
  testMean,
  testSd: testMean === null ? null : 0.01,
  ...(delta !== undefined
    ? { delta: { n: 2, mean: delta, sd: 0.01, low: delta === null ? null : delta - 0.02, high: delta === null ? null : delta + 0.02, excludesZero: delta !== null && delta > 0.02 } }
    : {}),
  bestVal: null,
  lastVal: null,
  agreement: null,
  wallTimeSec: null,
  notes: [],
});

describe('the study table in the view', () => {
  const rows = [row('teacher', 'teacher', 0.9), row('scratch', 'baseline', 0.8), row('kd', 'method', 0.82, 0.02), row('dkd', 'method', 0.85, 0.05), row('crd', 'method', null, null)];

  test('sorting moves method rows only, rows without the figure last both ways', () => {
    const labels = (key: string, direction: 'ascending' | 'descending') => sortStudyRows(rows, key, direction).map((r) => r.label);
    assert.deepEqual(labels('delta', 'descending'), ['teacher', 'scratch', 'dkd', 'kd', 'crd']);
    assert.deepEqual(labels('delta', 'ascending'), ['teacher', 'scratch', 'kd', 'dkd', 'crd']);
    assert.deepEqual(labels('label', 'ascending'), ['teacher', 'scratch', 'crd', 'dkd', 'kd']);
  });

  test('cells read as the CLI’s table: points with two decimals, the interval, * where it excludes 0', () => {
    assert.equal(testText(rows[3]), '85.00 ± 1.00%');
    assert.equal(deltaText(rows[3]), '+5.00 [+3.00, +7.00] *');
    assert.equal(deltaText(rows[2]), '+2.00 [+0.00, +4.00]');
    assert.equal(deltaText(rows[4]), '—');
    assert.equal(deltaText({ ...rows[2], delta: { n: 1, mean: -0.01, sd: null, low: null, high: null, excludesZero: false } }), '-1.00 (1 seed, no interval)');
  });

  test('progress: queued counts members without a folder yet; failed counts blocked and unreadable ones', () => {
    const member = (status: string) => ({ id: status, role: 'method' as const, group: 'kd', seed: 1, status: status as never, testAccuracy: null });
    assert.deepEqual(studyProgress(['completed', 'running', 'queued', 'waiting', 'failed', 'blocked', 'damaged', 'cancelled'].map(member)), {
      total: 8,
      completed: 1,
      running: 1,
      queued: 2,
      failed: 4,
    });
  });
});

describe('study messages and folders on the host', () => {
  test('the schema takes the study messages and refuses malformed ones', () => {
    assert.ok(WebviewToHost.safeParse({ type: 'startStudy', study: { methods: ['kd'], seeds: [1] } }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'startStudy', study: ['kd'] }).success);
    assert.ok(WebviewToHost.safeParse({ type: 'openStudy', studyDir: '/runs/s' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'openStudy', studyDir: '' }).success);
    assert.ok(WebviewToHost.safeParse({ type: 'formConfig', requestId: 3, config: { name: 'x' } }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'formConfig', requestId: 1.5, config: {} }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'formConfig', requestId: 1, config: 'x' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'requestStudies', extra: 1 }).success);
    assert.ok(WebviewToHost.safeParse({ type: 'studyAction', action: 'resume', studyDir: '/runs/s' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'studyAction', action: 'delete', studyDir: '/runs/s' }).success);
  });

  test('listStudies: the folders of the runs folder holding a study.json, by name; a missing runs folder has none', () => {
    for (const name of ['b-study', 'a-study', 'plain-experiment']) mkdirSync(join(root, name));
    writeFileSync(join(root, 'b-study', 'study.json'), '{}');
    writeFileSync(join(root, 'a-study', 'study.json'), '{}');
    assert.deepEqual(listStudies(root), [
      { studyDir: join(root, 'a-study'), name: 'a-study' },
      { studyDir: join(root, 'b-study'), name: 'b-study' },
    ]);
    assert.deepEqual(listStudies(join(root, 'nowhere')), []);
  });
});
