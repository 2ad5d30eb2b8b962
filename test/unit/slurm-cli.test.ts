// The CLI's Slurm flags where no cluster is needed: the mistakes it refuses, naming the flag; a
// login node without sbatch, said plainly and leaving no half submission; a study submitted to
// Slurm that the local pool would train a second time. test/slurm runs the rest on a real cluster.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeJobs } from '../../src/study/slurm/jobs-file';
import { ensureBuilt, ROOT } from '../support/build';

describe('distill-lab study --executor slurm, without a cluster', () => {
  let cli: string;
  let dir: string;
  before(() => {
    cli = ensureBuilt().cli;
    if (!readFileSync(cli, 'utf8').includes('--executor slurm')) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'distill-slurm-cli-'));
    writeFileSync(join(dir, 'study.json'), JSON.stringify({ name: 'nosl', methods: ['kd'], seeds: [1] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  // No Slurm command on PATH: this machine may have them installed (test/slurm does).
  const runCli = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: '/nonexistent' } });

  test('flags that do not go together are refused, naming them', () => {
    const cases: [string[], RegExp][] = [
      [['study', 'study.json', '--executor', 'pbs'], /--executor: expected "local" or "slurm", got "pbs"/],
      [['study', 'study.json', '--wait'], /--wait: only with --executor slurm/],
      [['study', '--status', 'study.json'], /--status: expected a study folder, got .*study\.json/],
      [['study', '--cancel', 'study.json'], /--cancel: expected a study folder/],
      [['study', 'study.json', '--run-dir', 'x'], /--run-dir: a study's members train into their folders of the study/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.ok(!existsSync(join(dir, '.distill')), 'no study folder claimed');
  });

  test('no sbatch on this machine: said plainly; the study folder keeps study.json and no half submission', () => {
    const r = runCli('study', 'study.json', '--executor', 'slurm', '--runs-dir', 'runs');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: sbatch not found: the Slurm executor runs Slurm's client commands \(sbatch, squeue, scancel…\), so it runs on a cluster's login node/);
    const studyDir = join(dir, 'runs', 'nosl');
    assert.deepEqual(readdirSync(studyDir).sort(), ['slurm', 'study.json']);
    assert.deepEqual(readdirSync(join(studyDir, 'slurm')), [], 'the failed submission leaves no folder of its own');
  });

  test('a study submitted to Slurm is not resumed by the local pool, which would train its queued members twice', () => {
    const studyDir = join(dir, 'runs', 'nosl');
    writeJobs(studyDir, { submissions: [{ number: 1, submittedAt: '2026-12-02T01:00:00.000Z', script: 'slurm/1/study.sbatch', jobs: [{ jobId: '7', array: '0-1' }], tasks: [] }] });
    const r = runCli('study', studyDir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the study .*nosl was submitted to Slurm \(slurm\/jobs\.json\): resume it with --executor slurm/);
    assert.deepEqual(readdirSync(studyDir).sort(), ['slurm', 'study.json'], 'nothing trained');
  });
});
