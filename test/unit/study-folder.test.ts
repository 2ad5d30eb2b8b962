// A study's folder: claimed atomically, its members' attempts found by name, the saved study read back through its schema.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseStudy, StudyError } from '../../src/shared/protocol';
import { claimAttemptDir, claimStudyDir, lockStudy, memberAttempts, memberRun, readStudy, writeStudy } from '../../src/shared/study/folder';

describe('study folder', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'distill-study-folder-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a study claims <name>, then <name>-2, -3…; processes claiming at once never share one', async () => {
    const runs = join(dir, 'runs');
    assert.equal(basename(claimStudyDir(runs, 'cmp')), 'cmp');
    assert.equal(basename(claimStudyDir(runs, 'cmp')), 'cmp-2');
    // Four processes, five claims each, at the same time.
    const script = `const { claimStudyDir } = require(${JSON.stringify(join(__dirname, '../../src/shared/study/folder.ts'))}); for (let i = 0; i < 5; i++) console.log(claimStudyDir(${JSON.stringify(runs)}, 'race'));`;
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: join(__dirname, '../..') });
    const children = await Promise.all(Array.from({ length: 4 }, run));
    const claimed = children.flatMap((c) => c.stdout.trim().split('\n'));
    assert.equal(claimed.length, 20);
    assert.equal(new Set(claimed).size, 20);
    assert.equal(readdirSync(runs).filter((name) => name.startsWith('race')).length, 20);
  });

  test("a member's attempts: <id>, <id>.r2, … in order, never another member's (kd-s1 is not kd-s10)", () => {
    const study = join(dir, 'attempts');
    mkdirSync(study);
    assert.equal(basename(claimAttemptDir(study, 'kd-s1')), 'kd-s1');
    assert.equal(basename(claimAttemptDir(study, 'kd-s10')), 'kd-s10');
    assert.equal(basename(claimAttemptDir(study, 'kd-s1')), 'kd-s1.r2');
    assert.equal(basename(claimAttemptDir(study, 'kd-s1')), 'kd-s1.r3');
    assert.deepEqual(
      memberAttempts(study, 'kd-s1').map((a) => [basename(a.dir), a.attempt]),
      [
        ['kd-s1', 1],
        ['kd-s1.r2', 2],
        ['kd-s1.r3', 3],
      ],
    );
    // The latest completed attempt speaks for the member; without one, the latest.
    const write = (name: string, status: string) => writeFileSync(join(study, name, 'run.json'), JSON.stringify({ id: name, experiment: 'attempts', status, createdAt: '2026-01-01T00:00:00Z' }));
    write('kd-s1', 'failed');
    write('kd-s1.r2', 'completed');
    write('kd-s1.r3', 'cancelled');
    assert.equal(basename(memberRun(study, 'kd-s1')!.dir), 'kd-s1.r2');
    write('kd-s1.r2', 'failed');
    assert.equal(basename(memberRun(study, 'kd-s1')!.dir), 'kd-s1.r3');
    writeFileSync(join(study, 'kd-s10', 'run.json'), '{ cut short');
    assert.match(memberRun(study, 'kd-s10')!.damage!, /^run\.json: not JSON/);
    assert.equal(memberRun(study, 'dkd-s1'), undefined);
  });

  test('the saved study reads back; a missing, broken or invalid study.json is named', () => {
    const study = join(dir, 'saved');
    mkdirSync(study);
    assert.throws(() => readStudy(study), /holds no study\.json: not a study folder/);
    const parsed = parseStudy({ methods: ['kd'], seeds: [1, 2], grid: { 'method.temperature': [2, 4] }, baseDir: '/data' });
    writeStudy(study, parsed);
    assert.deepEqual(readStudy(study), parsed);
    writeFileSync(join(study, 'study.json'), '{');
    assert.throws(() => readStudy(study), /study\.json: .*JSON/);
    writeFileSync(join(study, 'study.json'), JSON.stringify({ methods: ['kd'], seeds: ['one'] }));
    assert.throws(
      () => readStudy(study),
      (error: unknown) => error instanceof StudyError && error.problems.join() === 'study.seeds.0: expected number, got string "one"',
    );
  });
});

describe('study lock', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'distill-study-lock-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('one process at a time: a live holder is named, a dead one on this machine is taken over, another machine is left alone', () => {
    const release = lockStudy(dir);
    assert.throws(() => lockStudy(dir), new RegExp(`being run by process ${process.pid} on ${hostname()}`));
    release();
    lockStudy(dir)();
    // The holder died: its lock is taken over.
    writeFileSync(join(dir, '.study-lock'), JSON.stringify({ pid: 999_999, host: hostname() }));
    const again = lockStudy(dir, (pid) => pid !== 999_999);
    assert.equal(JSON.parse(readFileSync(join(dir, '.study-lock'), 'utf8')).pid, process.pid);
    again();
    // Held on another machine sharing the folder: never judged from here.
    writeFileSync(join(dir, '.study-lock'), JSON.stringify({ pid: 999_999, host: 'elsewhere' }));
    assert.throws(() => lockStudy(dir, () => false), /being run by process 999999 on elsewhere/);
  });
});
