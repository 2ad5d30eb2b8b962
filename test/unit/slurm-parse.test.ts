// Parsing what Slurm's commands say of a study's jobs, on outputs captured from the real one-node
// cluster of test/slurm (Slurm 22.05, accounting off): four studies — completed, cancelled while
// running, a failing member, a failed teacher whose student was never run — and an array caught
// with tasks pending and running. sacct cannot be captured there (no slurmdbd): its lines below
// follow sacct's documented --parsable2 output and are marked so.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { expandTaskRange, parseJobcomp, parseKeyValueLine, parseSacct, parseSbatch, parseScontrolJobs, parseSqueue, phaseOf, taskKey, type SlurmTask } from '../../src/study/slurm/parse';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'slurm', name), 'utf8');
const byKey = (tasks: SlurmTask[]) => new Map(tasks.map((t) => [taskKey(t.arrayJobId, t.taskId), t]));

describe('Slurm output parsing', () => {
  test('array ranges: single, ranges, lists, steps, a %N limit, brackets; nonsense is refused', () => {
    assert.deepEqual(expandTaskRange('3'), [3]);
    assert.deepEqual(expandTaskRange('4-5'), [4, 5]);
    assert.deepEqual(expandTaskRange('0,2,5-7'), [0, 2, 5, 6, 7]);
    assert.deepEqual(expandTaskRange('0-9:4'), [0, 4, 8]);
    assert.deepEqual(expandTaskRange('0-3%2'), [0, 1, 2, 3]);
    assert.deepEqual(expandTaskRange('[5-6]'), [5, 6]);
    assert.throws(() => expandTaskRange('5-2'), /not a Slurm array range: "5-2"/);
    assert.throws(() => expandTaskRange('N/A'), /not a Slurm array range/);
  });

  test('squeue --states=all -r: every task of four real studies with its state and reason ("None" is no reason)', () => {
    const tasks = parseSqueue(fixture('squeue-studies.txt'));
    assert.equal(tasks.length, 15);
    const map = byKey(tasks);
    assert.deepEqual(map.get('13_0'), { arrayJobId: '13', taskId: 0, state: 'COMPLETED', reason: undefined });
    assert.deepEqual(map.get('22_2'), { arrayJobId: '22', taskId: 2, state: 'FAILED', reason: 'NonZeroExitCode' });
    assert.deepEqual(map.get('18_0'), { arrayJobId: '18', taskId: 0, state: 'CANCELLED', reason: undefined });
    // Cancelled while it waited on the teacher; and cancelled by Slurm when the teacher failed.
    assert.equal(map.get('19_2')!.reason, 'Dependency');
    assert.deepEqual(map.get('26_2'), { arrayJobId: '26', taskId: 2, state: 'CANCELLED', reason: 'DependencyNeverSatisfied' });
  });

  test('squeue: pending and running tasks of a live array', () => {
    const map = byKey(parseSqueue(fixture('squeue-pending-running.txt')));
    assert.deepEqual([...map.keys()].sort(), ['8_0', '8_1', '8_2', '8_3', '9_4', '9_5']);
    assert.equal(map.get('8_2')!.reason, 'Resources');
    assert.equal(map.get('9_4')!.reason, 'Dependency');
    assert.deepEqual(
      [...map.values()].map((t) => phaseOf(t.state)),
      ['queued', 'queued', 'queued', 'queued', 'running', 'running'],
    );
    assert.throws(() => parseSqueue('8|0|8_0'), /squeue: expected 5 fields separated by "\|", got "8\|0\|8_0"/);
  });

  test('scontrol -o show job: each task of an array its own record, with its exit code', () => {
    const map = byKey(parseScontrolJobs(fixture('scontrol-studies.txt')));
    assert.equal(map.size, 15);
    assert.deepEqual(map.get('22_2'), { arrayJobId: '22', taskId: 2, state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '1:0' });
    assert.deepEqual(map.get('13_1'), { arrayJobId: '13', taskId: 1, state: 'COMPLETED', reason: undefined, exitCode: '0:0' });
    assert.equal(map.get('26_2')!.reason, 'DependencyNeverSatisfied');
  });

  test('scontrol: a pending array is one record standing for every task of its range', () => {
    const tasks = parseScontrolJobs(fixture('scontrol-show-job-pending.txt'));
    assert.deepEqual(
      tasks.map((t) => [taskKey(t.arrayJobId, t.taskId), t.state, t.reason]),
      [
        ['9_4', 'PENDING', 'Dependency'],
        ['9_5', 'PENDING', 'Dependency'],
      ],
    );
    // The older capture: an array cancelled by Slurm because its dependency failed, one record for tasks 6-7.
    const cancelled = parseScontrolJobs(fixture('scontrol-show-job.txt')).filter((t) => t.arrayJobId === '3');
    assert.deepEqual(
      cancelled.map((t) => [t.taskId, t.state, t.reason]),
      [
        [6, 'CANCELLED', 'DependencyNeverSatisfied'],
        [7, 'CANCELLED', 'DependencyNeverSatisfied'],
      ],
    );
  });

  test('a Key=Value record keeps values with spaces whole', () => {
    const record = parseKeyValueLine('JobId=7 Command=/tmp/my study/run.sh WorkDir=/tmp/a b ExitCode=0:0');
    assert.deepEqual(record, { JobId: '7', Command: '/tmp/my study/run.sh', WorkDir: '/tmp/a b', ExitCode: '0:0' });
  });

  test('jobcomp/filetxt: ended tasks by array and index; an array cancelled before it started is one line under its own id', () => {
    const tasks = parseJobcomp(fixture('jobcomp-filetxt.txt'));
    const map = byKey(tasks);
    assert.deepEqual(map.get('22_2'), { arrayJobId: '22', taskId: 2, state: 'FAILED', reason: undefined, exitCode: '1:0' });
    assert.equal(map.get('13_2')!.state, 'COMPLETED');
    // Study "blocked": its student array (job 26) was cancelled by Slurm when the teacher failed, never split into tasks.
    assert.deepEqual(map.get('26'), { arrayJobId: '26', state: 'CANCELLED', reason: undefined, exitCode: '0:0' });
    assert.equal(tasks.length, 27);
  });

  test('sacct --parsable2 (written after the documented format, not captured: the test cluster has no accounting)', () => {
    const text = ['120_0|COMPLETED|0:0', '120_1|FAILED|1:0', '121_[2-4%2]|PENDING|0:0', '122_5|CANCELLED by 0|0:15', '123|TIMEOUT|0:0', '124_0|OUT_OF_MEMORY|0:125'].join('\n');
    const map = byKey(parseSacct(text));
    assert.deepEqual([...map.keys()], ['120_0', '120_1', '121_2', '121_3', '121_4', '122_5', '123', '124_0']);
    assert.equal(map.get('122_5')!.state, 'CANCELLED');
    assert.equal(phaseOf(map.get('122_5')!.state), 'cancelled');
    assert.equal(phaseOf(map.get('123')!.state), 'failed');
    assert.equal(phaseOf(map.get('124_0')!.state), 'failed');
    assert.equal(phaseOf(map.get('121_3')!.state), 'queued');
    // What sacct says on this cluster (exit 1): the executor falls back to squeue.
    assert.match(fixture('sacct-disabled.txt'), /^Slurm accounting storage is disabled/);
  });

  test('sbatch: --parsable ("123" or "123;cluster") and the plain sentence', () => {
    assert.equal(parseSbatch('13\n'), '13');
    assert.equal(parseSbatch('4711;cluster-a\n'), '4711');
    assert.equal(parseSbatch('Submitted batch job 99\n'), '99');
    assert.throws(() => parseSbatch('sbatch: error: Batch job submission failed: Invalid partition name specified'), /sbatch: expected a job id, got "sbatch: error: /);
  });

  test('phases: Slurm states folded into queued, running, completed, failed, cancelled', () => {
    assert.deepEqual(['PENDING', 'REQUEUED', 'RUNNING', 'COMPLETING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'CANCELLED'].map(phaseOf), [
      'queued',
      'queued',
      'running',
      'running',
      'completed',
      'failed',
      'failed',
      'failed',
      'failed',
      'cancelled',
    ]);
  });
});
