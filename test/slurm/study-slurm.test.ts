// Studies on a real Slurm cluster: Debian's slurmctld, slurmd and munge, started for this file in
// a fresh temporary folder (scripts/slurm-cluster.mjs) and stopped by pid in `after`, also when a
// test fails. The built CLI submits tiny studies with --executor slurm; their array tasks run
// `distill-lab run` into the study folder. No mock of sbatch: every job really runs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunFolder } from '../../src/shared/run-folder';
import type { RunRecord } from '../../src/shared/protocol';
import { openSlurmStudy, readJobs } from '../../src/study/slurm';
import { ensureBuilt, ROOT } from '../support/build';

interface Cluster {
  dir: string;
  conf: string;
  env: NodeJS.ProcessEnv;
  pids: Record<string, number | undefined>;
  stop(): Promise<void>;
}

const TINY = ['--limit-train', '256', '--limit-validation', '128', '--limit-test', '128', '--epochs', '1', '--teacher-epochs', '1'];
const BASE = { teacher: { model: { arch: 'mlp', hidden: [16] } }, student: { model: { arch: 'mlp', hidden: [8] } }, backend: 'wasm', predictionSamples: 2 };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('studies on a real Slurm cluster', () => {
  let cluster: Cluster | undefined;
  let cli: string;
  let dir: string;

  before(async () => {
    cli = ensureBuilt().cli;
    // A bundle built before `run --run-dir` and the Slurm executor existed is rebuilt.
    if (!readFileSync(cli, 'utf8').includes('--executor slurm')) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'distill-slurm-study-'));
    const { startCluster } = (await import(join(ROOT, 'scripts', 'slurm-cluster.mjs'))) as { startCluster: () => Promise<Cluster> };
    cluster = await startCluster();
  });

  after(async () => {
    const pids = Object.values(cluster?.pids ?? {}).filter((pid): pid is number => pid !== undefined);
    const clusterDir = cluster?.dir;
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
    // Nothing of the cluster is left running: not its daemons, nor any process started from its folder.
    assert.deepEqual(
      pids.filter((pid) => alive(pid)),
      [],
      'a daemon of the test cluster is still running',
    );
    if (clusterDir) {
      const left = spawnSync('pgrep', ['-f', clusterDir], { encoding: 'utf8' }).stdout.trim();
      assert.equal(left, '', `processes of the test cluster are still running: ${left}`);
    }
  });

  const runCli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 150_000, env: { ...cluster!.env, DISTILL_SLURM_POLL_MS: '500', ...env } });
  const record = (runDir: string): RunRecord => new RunFolder(runDir).readRecord()!;
  const squeue = (jobIds: string[]) =>
    execFileSync('squeue', ['-h', '-r', '--states=all', '-j', jobIds.join(','), '-o', '%i|%T'], { env: cluster!.env, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('|'))
      .reduce((states, [id, state]) => states.set(id, state), new Map<string, string>());

  test('a study submitted as an sbatch array completes, the student waiting for the teacher; a failing member is marked failed and the others complete; the table comes out', async () => {
    // A transfer set that does not exist passes the schema and fails when that member loads its data.
    const missing = { kind: 'csv', train: 'no-such-transfer.csv', labelColumn: 'label' };
    const slurm = { time: '10', cpusPerTask: 1, extra: ['#SBATCH --comment=distill-test'] };
    writeFileSync(join(dir, 'study.json'), JSON.stringify({ name: 'onslurm', methods: ['kd', { name: 'unlabeled', transfer: missing }], seeds: [1], base: BASE, slurm }));
    const r = runCli(['study', 'study.json', ...TINY, '--executor', 'slurm', '--wait', '--runs-dir', 'runs']);
    assert.equal(r.status, 1, `one member fails, so the study does not succeed\n${r.stdout}\n${r.stderr}`);
    const studyDir = join(dir, 'runs', 'onslurm');

    // The script: inspectable, with the study's options, in the study folder.
    const script = readFileSync(join(studyDir, 'slurm', '1', 'study.sbatch'), 'utf8');
    assert.match(script, /^#!\/bin\/bash\n# Distill Lab study "onslurm", submission 1: 4 members/);
    assert.match(script, /^# To resubmit: `distill-lab study .*onslurm --executor slurm`/m);
    assert.match(script, /^#SBATCH --time=10$/m);
    assert.match(script, /^#SBATCH --cpus-per-task=1$/m);
    assert.match(script, /^#SBATCH --comment=distill-test$/m);
    assert.match(script, /dist\/cli\.js run "\$config" --run-dir "\$run_dir" --base-dir /);

    // Two sbatch calls: the teacher with the members that need nobody, then the students after the teacher's task.
    const [submission] = readJobs(studyDir).submissions;
    assert.equal(submission.jobs.length, 2);
    const [first, second] = submission.jobs;
    assert.equal(first.array, '0-1');
    assert.equal(second.dependency, `afterok:${first.jobId}_0`);
    assert.deepEqual(
      submission.tasks.map((t) => [t.index, t.member, t.jobId]),
      [
        [0, 'teacher', first.jobId],
        [1, 'scratch-s1', first.jobId],
        [2, 'kd-s1', second.jobId],
        [3, 'unlabeled-transfer=_-s1', second.jobId],
      ],
    );
    // The students learn from the teacher member's own checkpoint.
    const kdConfig = JSON.parse(readFileSync(join(studyDir, 'slurm', '1', 'configs', 'kd-s1.json'), 'utf8'));
    assert.equal(kdConfig.teacher.checkpoint, join(studyDir, 'teacher', 'checkpoints', 'teacher', 'last'));

    // Slurm ran them: the task of the failing member FAILED, the others COMPLETED.
    const states = squeue(submission.jobs.map((j) => j.jobId));
    assert.equal(states.get(`${first.jobId}_0`), 'COMPLETED');
    assert.equal(states.get(`${second.jobId}_2`), 'COMPLETED');
    assert.equal(states.get(`${second.jobId}_3`), 'FAILED');
    // The student started only after the teacher had ended.
    const teacherEnd = Date.parse(record(join(studyDir, 'teacher')).endedAt!);
    assert.ok(Date.parse(record(join(studyDir, 'kd-s1')).startedAt!) >= teacherEnd, 'kd started before its teacher ended');

    // The run folders: the same layout as the local pool's.
    for (const name of ['teacher', 'scratch-s1', 'kd-s1']) assert.equal(record(join(studyDir, name)).status, 'completed', name);
    assert.equal(record(join(studyDir, 'unlabeled-transfer=_-s1')).status, 'failed');
    assert.match(record(join(studyDir, 'unlabeled-transfer=_-s1')).error!.message, /CSV file not found: .*no-such-transfer\.csv/);

    // The status and the table, then the same table from compare --study.
    assert.match(r.stdout, /^teacher\s+completed\s+\d+_0\s/m);
    assert.match(r.stdout, /^unlabeled-transfer=_-s1\s+failed\s+\d+_3\s+CSV file not found/m);
    assert.match(r.stdout, /4 members: 3 completed, 1 failed \(from squeue and the run folders\)/);
    assert.match(r.stdout, /^kd\s+1\/1\s+\d+\.\d\d%\s+[-+]?\d+\.\d\d \(1 seed, no interval\)/m);
    assert.match(r.stdout, /^unlabeled transfer=…\s+0\/1\s.*\s1$/m);
    const status = runCli(['study', '--status', studyDir]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^kd-s1\s+completed\s/m);
    const compare = runCli(['compare', '--study', studyDir, '--format', 'md']);
    assert.equal(compare.status, 0, compare.stderr);
    assert.match(compare.stdout, /^\| kd \| 1\/1 \| \d+\.\d\d% \|/m);

    // The API the extension host uses says the same.
    const executor = openSlurmStudy(studyDir, { nodePath: process.execPath, cliPath: cli, env: cluster!.env });
    const api = await executor.status();
    assert.equal(api.settled, true);
    assert.deepEqual(api.sources, ['squeue']);
    assert.deepEqual(
      api.members.map((m) => [m.member, m.status, m.slurmState]),
      [
        ['teacher', 'completed', 'COMPLETED'],
        ['scratch-s1', 'completed', 'COMPLETED'],
        ['kd-s1', 'completed', 'COMPLETED'],
        ['unlabeled-transfer=_-s1', 'failed', 'FAILED'],
      ],
    );
    assert.equal(executor.rows(api).find((row) => row.label === 'kd')!.completed, 1);

    // Resubmitting the folder submits only the member that failed, into a new attempt folder.
    const again = runCli(['study', studyDir, '--executor', 'slurm', '--wait']);
    assert.equal(again.status, 1, again.stderr);
    const second2 = readJobs(studyDir).submissions[1];
    assert.deepEqual(
      second2.tasks.map((t) => [t.member, t.runDir]),
      [['unlabeled-transfer=_-s1', 'unlabeled-transfer=_-s1.r2']],
    );
    assert.equal(record(join(studyDir, 'unlabeled-transfer=_-s1.r2')).status, 'failed');
    assert.match(again.stderr, /· kd-s1: completed already/);
  });

  test('a teacher that fails leaves its students blocked (never run), not the members that need no teacher', () => {
    const base = { ...BASE, data: { dataset: { kind: 'csv', train: 'no-such-data.csv' } } };
    writeFileSync(join(dir, 'blocked.json'), JSON.stringify({ name: 'blocked', methods: ['kd'], seeds: [1], base }));
    const r = runCli(['study', 'blocked.json', ...TINY, '--executor', 'slurm', '--wait', '--runs-dir', 'runs']);
    assert.equal(r.status, 1, r.stderr);
    const studyDir = join(dir, 'runs', 'blocked');
    assert.equal(record(join(studyDir, 'teacher')).status, 'failed');
    assert.equal(record(join(studyDir, 'scratch-s1')).status, 'failed');
    assert.ok(!existsSync(join(studyDir, 'kd-s1', 'run.json')), 'kd never ran');
    assert.match(r.stdout, /^kd-s1\s+blocked\s+\d+_2\s+its teacher \(member teacher\) did not complete/m);
  });

  test('cancel: a running member records itself cancelled, a queued one is dropped and marked cancelled', async () => {
    // Long enough to be running when cancelled: 500 epochs of everything.
    writeFileSync(join(dir, 'long.json'), JSON.stringify({ name: 'long', methods: ['kd'], seeds: [1], base: BASE }));
    const submit = runCli(['study', 'long.json', ...TINY, '--epochs', '500', '--teacher-epochs', '500', '--executor', 'slurm', '--runs-dir', 'runs']);
    assert.equal(submit.status, 0, submit.stderr);
    const studyDir = join(dir, 'runs', 'long');
    // Wait until the teacher trains (its run says running), the student waiting on it.
    const deadline = Date.now() + 60_000;
    let status = '';
    while (Date.now() < deadline) {
      status = runCli(['study', '--status', studyDir]).stdout;
      if (/^teacher\s+running\s/m.test(status) && existsSync(join(studyDir, 'teacher', 'run.json')) && record(join(studyDir, 'teacher')).status === 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.match(status, /^teacher\s+running\s/m);
    assert.match(status, /^kd-s1\s+queued\s+\d+_2\s+PENDING, Dependency/m);

    const cancel = runCli(['study', '--cancel', studyDir]);
    assert.equal(cancel.status, 0, cancel.stderr);
    assert.match(cancel.stdout, /^scancel \d+ \d+: /);
    // The running teacher gets SIGTERM and records its ending itself; wait for it.
    const until = Date.now() + 30_000;
    while (Date.now() < until && record(join(studyDir, 'teacher')).status === 'running') await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(record(join(studyDir, 'teacher')).status, 'cancelled');
    const after = runCli(['study', '--status', studyDir]);
    assert.match(after.stdout, /^teacher\s+cancelled\s/m);
    assert.match(after.stdout, /^kd-s1\s+cancelled\s+\d+_2\s+Slurm task \d+_2 ended CANCELLED/m);
    const [submission] = readJobs(studyDir).submissions;
    // A cancelled task passes through COMPLETING while slurmd reaps its processes.
    let states = squeue(submission.jobs.map((j) => j.jobId));
    const settled = Date.now() + 30_000;
    while (Date.now() < settled && [...states.values()].includes('COMPLETING')) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      states = squeue(submission.jobs.map((j) => j.jobId));
    }
    assert.equal(states.get(`${submission.jobs[0].jobId}_0`), 'CANCELLED');
    assert.equal(states.get(`${submission.jobs[1].jobId}_2`), 'CANCELLED');
  });
});
