// The sbatch script of a Slurm study and the study's slurm options: the #SBATCH lines, paths with
// spaces and quotes, and what each array task executes — run with bash, `echo` standing in for
// Node so the exact command line shows (sbatch itself is exercised in test/slurm).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseStudy, SlurmOptions } from '../../src/shared/protocol';
import { shellQuote, slurmScript, type ScriptSpec } from '../../src/study/slurm/script';
import { arraySpec } from '../../src/study/slurm/submit';

describe('Slurm study script', () => {
  const dir = mkdtempSync(join(tmpdir(), "distill slurm 'script' "));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const studyDir = join(dir, 'runs', 'my study');
  const spec = (options: unknown): ScriptSpec => ({
    studyName: 'my study',
    studyDir,
    submission: 2,
    scriptPath: join(studyDir, 'slurm', '2', 'study.sbatch'),
    logsDir: join(studyDir, 'slurm', '2', 'logs'),
    options: SlurmOptions.parse(options),
    tasks: [
      { index: 0, member: 'teacher', runDir: join(studyDir, 'teacher'), config: join(studyDir, 'slurm', '2', 'configs', 'teacher.json') },
      { index: 1, member: 'kd-temperature=4-s1', runDir: join(studyDir, 'kd-temperature=4-s1'), config: join(studyDir, 'slurm', '2', 'configs', 'kd-temperature=4-s1.json') },
    ],
    nodePath: '/bin/echo',
    cliPath: join(dir, 'dist', 'cli.js'),
    baseDir: join(dir, "it's here"),
    submitCommands: [['--array=0'], ['--array=1', '--dependency=afterok:<job id of the first>_0', '--kill-on-invalid-dep=yes']],
  });

  test('the #SBATCH lines say the study options, in order, after the header', () => {
    const text = slurmScript(
      spec({ partition: 'gpu', account: 'lab1', time: '1-12:00:00', cpusPerTask: 4, mem: '16G', gpus: 2, gpuType: 'a100', extra: ['#SBATCH --qos=short'], setup: ['module load nodejs/20'] }),
    );
    const sbatch = text.split('\n').filter((line) => line.startsWith('#SBATCH'));
    assert.deepEqual(sbatch, [
      `#SBATCH --job-name=${shellQuote('distill-my study')}`,
      `#SBATCH --output=${shellQuote(`${studyDir}/slurm/2/logs/%A_%a.out`)}`,
      `#SBATCH --chdir=${shellQuote(studyDir)}`,
      '#SBATCH --partition=gpu',
      '#SBATCH --account=lab1',
      '#SBATCH --time=1-12:00:00',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --mem=16G',
      '#SBATCH --gpus=a100:2',
      '#SBATCH --qos=short',
    ]);
    // sbatch reads #SBATCH lines only before the first command: every one comes before `set -euo pipefail`.
    assert.ok(text.lastIndexOf('#SBATCH') < text.indexOf('set -euo pipefail'));
    assert.match(text, /^module load nodejs\/20$/m);
    assert.match(text, /^# Distill Lab study "my study", submission 2: 2 members, one array task each\.$/m);
    assert.match(text, /^# {3}sbatch --array=1 --dependency=afterok:<job id of the first>_0 --kill-on-invalid-dep=yes '.*study\.sbatch'$/m);
    assert.equal(spawnSync('bash', ['-n'], { input: text }).status, 0, 'bash accepts the script');
  });

  test('each task runs distill-lab run on its member, paths with spaces and quotes intact; a folder holding a run is left alone; an unknown task fails', () => {
    const script = join(dir, 'study.sbatch');
    writeFileSync(script, slurmScript(spec({})));
    const task = (id: string) => spawnSync('bash', [script], { env: { PATH: process.env.PATH, SLURM_ARRAY_TASK_ID: id, SLURM_JOB_ID: '77' }, encoding: 'utf8' });
    const one = task('1');
    assert.equal(one.status, 0, one.stderr);
    const lines = one.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      `distill-lab: member kd-temperature=4-s1 (array task 1, job 77) on ${spawnSync('hostname', { encoding: 'utf8' }).stdout.trim()} into ${join(studyDir, 'kd-temperature=4-s1')}`,
    );
    // echo joins its arguments with spaces: the line is the command's arguments, in order.
    assert.equal(
      lines[1],
      [
        join(dir, 'dist', 'cli.js'),
        'run',
        join(studyDir, 'slurm', '2', 'configs', 'kd-temperature=4-s1.json'),
        '--run-dir',
        join(studyDir, 'kd-temperature=4-s1'),
        '--base-dir',
        join(dir, "it's here"),
      ].join(' '),
    );

    mkdirSync(join(studyDir, 'teacher'), { recursive: true });
    writeFileSync(join(studyDir, 'teacher', 'run.json'), '{}');
    const done = task('0');
    assert.equal(done.status, 0);
    assert.equal(done.stdout.trim(), `distill-lab: member teacher already has a run in ${join(studyDir, 'teacher')}; nothing to do`);

    const unknown = task('5');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /array task 5 trains no member of this study/);
    const bare = spawnSync('bash', [script], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    assert.notEqual(bare.status, 0);
    assert.match(bare.stderr, /submit this script with sbatch --array/);
  });

  test('array ranges for sbatch: runs of indices joined, the %N limit', () => {
    assert.equal(arraySpec([0]), '0');
    assert.equal(arraySpec([3, 4, 5, 6]), '3-6');
    assert.equal(arraySpec([7, 0, 1, 2, 5, 8]), '0-2,5,7-8');
    assert.equal(arraySpec([0, 1, 2], 2), '0-2%2');
  });

  test('a study file’s slurm options: each bad one named with what was expected', () => {
    const problems = (slurm: unknown) => {
      try {
        parseStudy({ methods: ['kd'], seeds: [1], slurm });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const bad = problems({ time: '2h', mem: '4 GB', cpusPerTask: 0, extra: ['--qos=short'], setup: ['a\nb'], partition: 'a b', bogus: 1 });
    assert.match(bad, /study\.slurm\.time: expected a Slurm time limit such as "30" \(minutes\), "2:00:00" or "1-12:00:00", got "2h"/);
    assert.match(bad, /study\.slurm\.mem: expected a memory size such as "4G" or "16000M", got "4 GB"/);
    assert.match(bad, /study\.slurm\.cpusPerTask: expected at least 1, got 0/);
    assert.match(bad, /study\.slurm\.extra\.0: expected one line starting with "#SBATCH -", e\.g\. "#SBATCH --qos=short", got "--qos=short"/);
    assert.match(bad, /study\.slurm\.setup\.0: expected a shell command on one line/);
    assert.match(bad, /study\.slurm\.partition: expected a partition name/);
    assert.match(bad, /study\.slurm: unknown field "bogus"/);
    assert.match(problems({ gpuType: 'a100' }), /study\.slurm\.gpuType: give study\.slurm\.gpus \(how many\) with it/);
    assert.equal(problems({ time: '30', mem: '16000M', gpus: 1, extra: ['#SBATCH --constraint=avx2'] }), '');
  });
});
