// A real tiny study through the built CLI: the folder it writes, the pairing (one teacher, one
// baseline per seed), two trainer processes at once, the table, resuming, a failing member, Ctrl-C.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunFolder } from '../../src/shared/run-folder';
import type { RunRecord, TrainerEvent } from '../../src/shared/protocol';
import { ensureBuilt, ROOT } from '../support/build';

const TINY = ['--limit-train', '256', '--limit-validation', '128', '--epochs', '1', '--teacher-epochs', '1'];
const BASE = { teacher: { model: { arch: 'mlp', hidden: [32] } }, student: { model: { arch: 'mlp', hidden: [8] } }, backend: 'wasm', predictionSamples: 2 };

describe('distill-lab study', () => {
  let cli: string;
  let dir: string;
  before(() => {
    cli = ensureBuilt().cli;
    // A bundle built before the study command existed is rebuilt.
    if (!readFileSync(cli, 'utf8').includes('distill-lab study <')) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'distill-study-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const runCli = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  const record = (runDir: string): RunRecord => new RunFolder(runDir).readRecord()!;
  const configOf = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  const phasesOf = (runDir: string) => (new RunFolder(runDir).readEvents().find((e) => e.type === 'started') as Extract<TrainerEvent, { type: 'started' }>).phases;
  const folders = (studyDir: string) =>
    readdirSync(studyDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();

  test('2 methods × 2 seeds, 2 at once: the teacher trained once, one baseline per seed, members overlapping in time, the paired table; resuming runs only what is missing or failed', () => {
    writeFileSync(join(dir, 'study.json'), JSON.stringify({ name: 'pair', methods: ['kd', 'dkd'], seeds: [1, 2], base: BASE }));
    const r = runCli('study', 'study.json', ...TINY, '--parallel', '2', '--runs-dir', 'runs');
    assert.equal(r.status, 0, r.stderr);
    const studyDir = join(dir, 'runs', 'pair');
    assert.match(r.stdout, /^7 members: 7 completed; 7 trained now in /m);
    assert.deepEqual(folders(studyDir), ['dkd-s1', 'dkd-s2', 'kd-s1', 'kd-s2', 'scratch-s1', 'scratch-s2', 'teacher']);
    const saved = JSON.parse(readFileSync(join(studyDir, 'study.json'), 'utf8'));
    assert.deepEqual(saved.base.data, { limitTrain: 256, limitValidation: 128 }, "run's flags are saved in the study's base");
    const members = folders(studyDir).map((name) => join(studyDir, name));
    for (const member of members) assert.equal(record(member).status, 'completed', member);

    // The teacher: trained in its member alone; every method member loads its last checkpoint and trains no teacher.
    const teacherDir = join(studyDir, 'teacher');
    assert.deepEqual(phasesOf(teacherDir), ['teacher']);
    const checkpoint = join(teacherDir, 'checkpoints', 'teacher', 'last');
    assert.ok(existsSync(join(checkpoint, 'model.json')));
    const trainedTeacher = members.filter((m) => phasesOf(m).includes('teacher'));
    assert.deepEqual(trainedTeacher, [teacherDir]);
    for (const name of ['kd-s1', 'kd-s2', 'dkd-s1', 'dkd-s2']) {
      const member = join(studyDir, name);
      assert.equal(configOf(member).teacher.checkpoint, checkpoint, name);
      assert.deepEqual(phasesOf(member), ['student'], `${name} trains its student alone (no teacher, no baseline)`);
    }
    // The baseline: one scratch run per seed, none inside the method members.
    for (const seed of [1, 2]) {
      const scratch = members.filter((m) => configOf(m).method.name === 'scratch' && configOf(m).seed === seed);
      assert.equal(scratch.length, 1, `seed ${seed}`);
    }
    assert.ok(members.every((m) => !phasesOf(m).includes('student-scratch')));

    // Two trainers at once: some two members' running times overlap.
    const spans = members.map((m) => ({ m, start: Date.parse(record(m).startedAt!), end: Date.parse(record(m).endedAt!) }));
    const overlapping = spans.some((a, i) => spans.some((b, j) => i < j && a.start < b.end && b.start < a.end));
    assert.ok(overlapping, JSON.stringify(spans));
    // …and never more than two.
    for (const a of spans) assert.ok(spans.filter((b) => b.start <= a.start && a.start < b.end).length <= 2);

    // The table: its Δ of kd is the mean of the per-seed differences read from the member summaries.
    const test = (name: string) => new RunFolder(join(studyDir, name)).readSummary()!.models.find((m) => m.role === 'student')!.testAccuracy!;
    const delta = ((test('kd-s1') - test('scratch-s1') + (test('kd-s2') - test('scratch-s2'))) / 2) * 100;
    const kdRow = r.stdout.split('\n').find((line) => line.startsWith('kd '))!;
    assert.ok(kdRow, r.stdout);
    assert.match(kdRow, /^kd\s+2\/2\s/);
    assert.ok(kdRow.includes(`${delta >= 0 ? '+' : ''}${delta.toFixed(2)} [`), `Δ ${delta.toFixed(2)} in ${kdRow}`);
    const csv = runCli('compare', '--study', studyDir, '--format', 'csv');
    assert.equal(csv.status, 0, csv.stderr);
    const kdCsv = csv.stdout
      .split('\n')
      .find((line) => line.startsWith('kd,'))!
      .split(',');
    assert.ok(Math.abs(Number(kdCsv[7]) * 100 - delta) < 1e-9);

    // Resuming a complete study runs nothing and touches no member.
    const stamps = members.map((m) => statSync(join(m, 'run.json')).mtimeMs);
    const again = runCli('study', studyDir, '--parallel', '2');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stderr.match(/completed already/g)?.length, 7, again.stderr);
    assert.doesNotMatch(again.stderr, /▶/);
    assert.deepEqual(
      members.map((m) => statSync(join(m, 'run.json')).mtimeMs),
      stamps,
    );
    assert.match(again.stdout, /^kd\s+2\/2\s/m);
    assert.match(again.stdout, /^7 members: 7 completed; 0 trained now in /m);

    // A deleted member and a failed one run again (the failed one in a new folder); nothing else does.
    rmSync(join(studyDir, 'kd-s2'), { recursive: true });
    const failed = join(studyDir, 'dkd-s1', 'run.json');
    writeFileSync(failed, JSON.stringify({ ...record(join(studyDir, 'dkd-s1')), status: 'failed', error: { message: 'made to fail by the test' } }));
    const resumed = runCli('study', studyDir, '--parallel', '2');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual([...resumed.stderr.matchAll(/^▶ (\S+)/gm)].map((m) => m[1]).sort(), ['dkd-s1', 'kd-s2']);
    assert.deepEqual(folders(studyDir), ['dkd-s1', 'dkd-s1.r2', 'dkd-s2', 'kd-s1', 'kd-s2', 'scratch-s1', 'scratch-s2', 'teacher']);
    assert.equal(record(join(studyDir, 'dkd-s1')).status, 'failed', 'the failed attempt is kept as it was');
    assert.equal(record(join(studyDir, 'dkd-s1.r2')).status, 'completed');
    assert.equal(record(join(studyDir, 'kd-s2')).status, 'completed');
    assert.equal(statSync(join(teacherDir, 'run.json')).mtimeMs, stamps[members.indexOf(teacherDir)], 'the teacher is not trained again');
    assert.match(resumed.stdout, /^dkd\s+2\/2\s.*\s0$/m);
  });

  test('a failing member does not stop the others; the table counts it', () => {
    // A transfer set that does not exist passes the schema and fails when the member loads its data, before kd's turn.
    const missing = { kind: 'csv', train: 'no-such-transfer.csv', labelColumn: 'label' };
    writeFileSync(join(dir, 'failing.json'), JSON.stringify({ name: 'failing', methods: [{ name: 'unlabeled', transfer: missing }, 'kd'], seeds: [1], base: BASE }));
    const r = runCli('study', 'failing.json', ...TINY, '--parallel', '1', '--runs-dir', 'runs');
    assert.equal(r.status, 1, r.stderr);
    const studyDir = join(dir, 'runs', 'failing');
    assert.equal(record(join(studyDir, 'unlabeled-transfer=_-s1')).status, 'failed');
    assert.match(record(join(studyDir, 'unlabeled-transfer=_-s1')).error!.message, /CSV file not found: .*no-such-transfer\.csv/);
    for (const name of ['teacher', 'scratch-s1', 'kd-s1']) assert.equal(record(join(studyDir, name)).status, 'completed', name);
    assert.match(r.stdout, /^unlabeled transfer=…\s+0\/1\s.*\s1$/m);
    assert.match(r.stdout, /^kd\s+1\/1\s/m);
  });

  test('a teacher that fails blocks the members that learn from it, and only those', () => {
    const base = { ...BASE, data: { dataset: { kind: 'csv', train: 'no-such-data.csv' } } };
    writeFileSync(join(dir, 'blocked.json'), JSON.stringify({ name: 'blocked', methods: ['kd', 'dml'], seeds: [1], base }));
    const r = runCli('study', 'blocked.json', ...TINY, '--parallel', '2', '--runs-dir', 'runs');
    assert.equal(r.status, 1, r.stderr);
    const studyDir = join(dir, 'runs', 'blocked');
    assert.equal(record(join(studyDir, 'teacher')).status, 'failed');
    // DML learns from no teacher: it runs (and fails on the same missing data); kd never starts.
    assert.equal(record(join(studyDir, 'dml-s1')).status, 'failed');
    assert.ok(!existsSync(join(studyDir, 'kd-s1')));
    assert.match(r.stderr, /· kd-s1: its teacher \(member teacher\) did not complete/);
    assert.match(r.stdout, /^kd\s+0\/1\s.*\s1$/m);
  });

  test('a bad study is refused naming the field, and claims no folder', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', methods: ['kd'], seeds: [1], grid: { 'method.temperature': [4, -1] } }));
    const r = runCli('study', 'bad.json', '--runs-dir', 'runs');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /study member kd-temperature=-1-s1 .*config\.method\.temperature: expected more than 0, got -1/);
    assert.ok(!existsSync(join(dir, 'runs', 'bad')));
    assert.match(runCli('study', 'bad.json', '--parallel', '0').stderr, /--parallel: expected a whole number from 1 to 64, got "0"/);
  });

  test('Ctrl-C stops the study: the running member is cancelled and recorded so, nothing else starts', async () => {
    writeFileSync(join(dir, 'long.json'), JSON.stringify({ name: 'long', methods: ['kd'], seeds: [1, 2], base: BASE }));
    const child = spawn(
      process.execPath,
      [cli, 'study', 'long.json', '--limit-train', '256', '--limit-validation', '128', '--teacher-epochs', '500', '--epochs', '1', '--parallel', '1', '--runs-dir', 'runs'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        // The teacher is training once its first epoch is reported.
        if (/teacher · teacher epoch 1\//.test(stderr)) resolve();
      }),
    );
    // Meanwhile the study is this process's: a second one is refused, naming it.
    const second = runCli('study', join(dir, 'runs', 'long'));
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`being run by process ${child.pid} `));
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    const studyDir = join(dir, 'runs', 'long');
    assert.equal(record(join(studyDir, 'teacher')).status, 'cancelled');
    assert.deepEqual(folders(studyDir), ['teacher'], 'nothing started after the stop');
    assert.ok(!existsSync(join(studyDir, '.study-lock')), 'the lock is released');
    assert.match(stdout, /^teacher\s+0\/1\s.*\s1$/m);
  });
});
