// What the extension makes of a study it is asked to start: the settings in its base, its folder
// for relative paths, every member checked; Compare Methods' study and seeds.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEMO_CONFIG } from '../../src/cli/demo-config';
import { StudyError } from '../../src/shared/protocol';
import { expandStudy } from '../../src/shared/study/expand';
import { readStudyFile } from '../../src/shared/study/folder';
import { compareMethodsStudy, formMethod, parseSeeds, prepareStudy } from '../../src/host/study/study-input';
import { exportFormatOf } from '../../src/host/study/study-table';
import { tinyConfig } from '../support/tiny-config';

const settings = { backend: 'auto' as const, threadsPerRun: 0, maxParallelRuns: 2 };

function tinyBase() {
  const { method: _method, ...base } = tinyConfig({ backend: undefined });
  return base;
}

describe('prepareStudy', () => {
  test('the backend setting fills a base that leaves it open; threads are the cores shared over the members training at once', () => {
    const study = prepareStudy({ name: 's', base: tinyBase(), methods: ['kd'], seeds: [1, 2] }, { ...settings, backend: 'cpu' }, '/work', 8);
    assert.equal(study.base.backend, 'cpu');
    // 5 members (teacher, 2 baselines, 2 kd), 2 at once: 8 cores / 2.
    assert.equal((study.base.train as { threads: number }).threads, 4);
    assert.equal(study.baseDir, '/work');
  });

  test('a base that names its backend and threads keeps them; a study naming its baseDir keeps it', () => {
    const base = { ...tinyBase(), backend: 'wasm', train: { epochs: 1, threads: 1 } };
    const study = prepareStudy({ name: 's', base, methods: ['kd'], seeds: [1], baseDir: '/data' }, { ...settings, backend: 'cpu', threadsPerRun: 3 }, '/work', 8);
    assert.equal(study.base.backend, 'wasm');
    assert.deepEqual(study.base.train, { epochs: 1, threads: 1 });
    assert.equal(study.baseDir, '/data');
  });

  test('one trainer at a time: each member takes every core; distill.threadsPerRun wins when set', () => {
    const lone = prepareStudy({ name: 's', base: tinyBase(), methods: ['dml'], seeds: [1] }, { ...settings, maxParallelRuns: 1 }, '/w', 8);
    assert.equal((lone.base.train as { threads: number }).threads, 8);
    const set = prepareStudy({ name: 's', base: tinyBase(), methods: ['kd'], seeds: [1] }, { ...settings, threadsPerRun: 3 }, '/w', 8);
    assert.equal((set.base.train as { threads: number }).threads, 3);
  });

  test('on Slurm the threads are left to the study (the nodes are not this machine)', () => {
    const study = prepareStudy({ name: 's', base: tinyBase(), methods: ['kd'], seeds: [1] }, { ...settings, studyExecutor: 'slurm' }, '/w', 8);
    assert.equal((study.base.train as { threads?: number }).threads, undefined);
  });

  test('a bad study is a StudyError naming the field; a bad member config names the member', () => {
    assert.throws(
      () => prepareStudy({ name: 's', base: tinyBase(), methods: ['kd'], seeds: [] }, settings, '/w', 2),
      (error: unknown) => error instanceof StudyError && /study\.seeds/.test(error.message),
    );
    assert.throws(
      () => prepareStudy({ name: 's', base: { ...tinyBase(), train: { epochs: -1 } }, methods: ['kd'], seeds: [1] }, settings, '/w', 2),
      (error: unknown) => error instanceof StudyError && /study member \w+.*train\.epochs/.test(error.message),
    );
  });
});

describe('Compare Methods', () => {
  test("the form's config is the base, without its method and baseline switch; the study is named after it", () => {
    const input = compareMethodsStudy({ ...tinyConfig({ name: 'mine' }), baseline: true }, ['kd', 'dkd'], [1, 2, 3]);
    assert.equal(input.name, 'mine-methods');
    assert.deepEqual(input.methods, ['kd', 'dkd']);
    assert.deepEqual(input.seeds, [1, 2, 3]);
    assert.ok(!('method' in input.base!) && !('baseline' in input.base!) && !('name' in input.base!));
    assert.deepEqual(input.base!.student, { model: { arch: 'mlp', hidden: [8] } });
    // It expands: teacher, 3 baselines, 2 methods × 3 seeds.
    assert.equal(expandStudy(prepareStudy(input, settings, '/w', 2), 'mine-methods').members.length, 10);
  });

  test("without a dashboard, the demo's config", () => {
    const input = compareMethodsStudy(undefined, ['kd'], [1]);
    assert.equal(input.name, `${DEMO_CONFIG.name}-methods`);
    assert.deepEqual(input.base!.teacher, DEMO_CONFIG.teacher);
  });

  test("the form's method is preselected unless it is the teacher or scratch", () => {
    assert.equal(formMethod({ method: { name: 'dkd' } }), 'dkd');
    assert.equal(formMethod({ method: { name: 'scratch' } }), undefined);
    assert.equal(formMethod(undefined), undefined);
  });

  test('seeds as typed: commas or spaces; a non-number or a seed twice is named', () => {
    assert.deepEqual(parseSeeds('1, 2, 3'), { seeds: [1, 2, 3] });
    assert.deepEqual(parseSeeds(' 7 8,9 '), { seeds: [7, 8, 9] });
    assert.deepEqual(parseSeeds('0'), { seeds: [0] });
    assert.match((parseSeeds('') as { problem: string }).problem, /at least one seed/);
    assert.match((parseSeeds('1, x') as { problem: string }).problem, /"x" is not one/);
    assert.match((parseSeeds('1, -2') as { problem: string }).problem, /"-2" is not one/);
    assert.match((parseSeeds('1.5') as { problem: string }).problem, /"1\.5" is not one/);
    assert.match((parseSeeds('2 2') as { problem: string }).problem, /seed 2 is listed twice/);
  });
});

describe('readStudyFile (Run Study from File…, and the CLI)', () => {
  test("relative paths resolve against the file's folder unless it names a baseDir; a non-object is named", () => {
    const dir = mkdtempSync(join(tmpdir(), 'distill-study-file-'));
    try {
      writeFileSync(join(dir, 'a.json'), '\uFEFF{ "methods": ["kd"], "seeds": [1] }');
      assert.equal(readStudyFile(join(dir, 'a.json')).baseDir, dir);
      writeFileSync(join(dir, 'b.json'), '{ "methods": ["kd"], "seeds": [1], "baseDir": "/data" }');
      assert.equal(readStudyFile(join(dir, 'b.json')).baseDir, '/data');
      writeFileSync(join(dir, 'c.json'), '[1]');
      assert.throws(() => readStudyFile(join(dir, 'c.json')), /c\.json: expected a JSON object/);
      writeFileSync(join(dir, 'd.json'), '{ oops');
      assert.throws(() => readStudyFile(join(dir, 'd.json')), /study file .*d\.json: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Export Study Table… format', () => {
  test("Markdown for .md and .markdown (any case), CSV for anything else, as the save dialog's filters offer", () => {
    assert.equal(exportFormatOf('/x/table.md'), 'md');
    assert.equal(exportFormatOf('/x/TABLE.Markdown'), 'md');
    assert.equal(exportFormatOf('/x/table.csv'), 'csv');
    assert.equal(exportFormatOf('/x/table'), 'csv');
  });
});
