// A Slurm study's member status: Slurm's word on each array task (parsed from squeue lines in the
// form captured from the real cluster) merged with the member's run folder. The folder's final
// record wins; a task that ended without the run recording it has its run recorded failed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeJsonAtomic } from '../../src/shared/fs-atomic';
import { parseStudy } from '../../src/shared/protocol';
import { markCompleted, markFailed, markQueued, markRunning, RunFolder } from '../../src/shared/run-folder';
import { expandStudy } from '../../src/shared/study/expand';
import { writeJobs, type SlurmJobs } from '../../src/study/slurm/jobs-file';
import { parseSqueue, taskKey } from '../../src/study/slurm/parse';
import type { JobStates } from '../../src/study/slurm/query';
import { activeJobs } from '../../src/study/slurm/cancel';
import { formatStatus, mergeStatus, tally } from '../../src/study/slurm/status';

describe('Slurm study status', () => {
  const root = mkdtempSync(join(tmpdir(), 'distill-slurm-status-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A study of kd and dkd over seeds 1 and 2: teacher, scratch-s1, scratch-s2, kd-s1, kd-s2, dkd-s1, dkd-s2. */
  const setup = (name: string) => {
    const studyDir = join(root, name);
    mkdirSync(studyDir, { recursive: true });
    const expanded = expandStudy(parseStudy({ methods: ['kd', 'dkd'], seeds: [1, 2] }), name);
    return { studyDir, members: expanded.members };
  };
  const folder = (studyDir: string, id: string) => {
    mkdirSync(join(studyDir, id), { recursive: true });
    return new RunFolder(join(studyDir, id));
  };
  const states = (lines: string[]): JobStates => ({ tasks: new Map(parseSqueue(lines.join('\n')).map((t) => [taskKey(t.arrayJobId, t.taskId), { ...t, source: 'squeue' }])), sources: ['squeue'] });
  const jobsOf = (tasks: [number, string, string, string?][]): SlurmJobs => ({
    submissions: [
      {
        number: 1,
        submittedAt: '2026-12-02T01:00:00.000Z',
        script: 'slurm/1/study.sbatch',
        jobs: [
          { jobId: '40', array: '0-2' },
          { jobId: '41', array: '3-6', dependency: 'afterok:40_0' },
        ],
        tasks: tasks.map(([index, member, jobId, runDir]) => ({ index, member, jobId, runDir: runDir ?? member, config: `slurm/1/configs/${member}.json` })),
      },
    ],
  });

  test('each member from Slurm and its folder: queued, running, completed, a task killed unrecorded is recorded failed, a cancelled one, one Slurm forgot, one never submitted', () => {
    const { studyDir, members } = setup('mixed');
    const jobs = jobsOf([
      [0, 'teacher', '40'],
      [1, 'scratch-s1', '40'],
      [2, 'scratch-s2', '40'],
      [3, 'kd-s1', '41'],
      [4, 'kd-s2', '41'],
      [5, 'dkd-s1', '41'],
    ]);
    writeJobs(studyDir, jobs);
    // The teacher completed; scratch-s1 was running when its node killed it (TIMEOUT); scratch-s2 runs.
    const teacher = folder(studyDir, 'teacher');
    markQueued(teacher, { method: 'teacher' });
    markRunning(teacher);
    markCompleted(teacher);
    const killed = folder(studyDir, 'scratch-s1');
    markQueued(killed, { method: 'scratch' });
    markRunning(killed);
    const running = folder(studyDir, 'scratch-s2');
    markQueued(running, { method: 'scratch' });
    markRunning(running);
    for (const id of ['kd-s1', 'kd-s2', 'dkd-s1']) folder(studyDir, id);
    const slurm = states(['40|0|40_0|COMPLETED|None', '40|1|40_1|TIMEOUT|TimeLimit', '40|2|40_2|RUNNING|None', '41|3|41_3|PENDING|Dependency', '41|4|41_4|CANCELLED|None']);

    // While its owner process lives (here: this one), the run may still record its ending itself: the status says failed, the folder is left alone.
    const early = mergeStatus(studyDir, members, jobs, slurm).find((s) => s.member === 'scratch-s1')!;
    assert.equal(early.status, 'failed');
    assert.equal(killed.readRecord()!.status, 'running');
    // Its owner gone (a process that has exited), the ending is recorded.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeJsonAtomic(join(studyDir, 'scratch-s1', 'run.json'), { ...killed.readRecord()!, pid: gone });

    const statuses = mergeStatus(studyDir, members, jobs, slurm);
    const by = new Map(statuses.map((s) => [s.member, s]));
    assert.equal(by.get('teacher')!.status, 'completed');
    assert.equal(by.get('scratch-s1')!.status, 'failed');
    assert.equal(by.get('scratch-s1')!.detail, 'Slurm task 40_1 ended TIMEOUT, TimeLimit');
    // Recorded in its folder, so the tree and compare --study agree.
    assert.equal(killed.readRecord()!.status, 'failed');
    assert.equal(killed.readRecord()!.error!.message, 'Slurm task 40_1 ended TIMEOUT, TimeLimit');
    assert.equal(by.get('scratch-s2')!.status, 'running');
    assert.equal(by.get('kd-s1')!.status, 'queued');
    assert.equal(by.get('kd-s1')!.detail, 'PENDING, Dependency');
    // Cancelled before it started: no record can say so (a run with none cannot become cancelled); the status does.
    assert.equal(by.get('kd-s2')!.status, 'cancelled');
    assert.equal(new RunFolder(join(studyDir, 'kd-s2')).readRecord(), undefined);
    // Slurm no longer reports task 41_5 and the folder is empty.
    assert.equal(by.get('dkd-s1')!.status, 'missing');
    assert.equal(by.get('dkd-s1')!.detail, 'Slurm no longer reports task 41_5');
    assert.equal(by.get('dkd-s2')!.status, 'missing');
    assert.equal(by.get('dkd-s2')!.detail, 'not submitted');
    assert.equal(by.get('dkd-s2')!.job, undefined);

    assert.equal(tally(statuses), '1 completed, 1 failed, 1 running, 1 queued, 1 cancelled, 2 missing');
    assert.match(formatStatus(statuses), /^member\s+status\s+task\s+detail\nteacher\s+completed\s+40_0\s+teacher\n/);
    // Stop cancels the jobs that still have a member queued or running: both here.
    assert.deepEqual(activeJobs(jobs, statuses), ['40', '41']);
  });

  test('the run folder’s final record wins over Slurm; a student cancelled before it ran because its teacher failed is blocked (with or without Slurm’s reason)', () => {
    const { studyDir, members } = setup('teacher-failed');
    const jobs = jobsOf([
      [0, 'teacher', '40'],
      [1, 'scratch-s1', '40'],
      [3, 'kd-s1', '41'],
      [4, 'kd-s2', '41'],
    ]);
    writeJobs(studyDir, jobs);
    const teacher = folder(studyDir, 'teacher');
    markFailed(teacher, { message: 'CSV file not found: /data/x.csv' });
    const scratch = folder(studyDir, 'scratch-s1');
    markQueued(scratch, { method: 'scratch' });
    markRunning(scratch);
    markCompleted(scratch);
    // Slurm still says the scratch task runs (COMPLETING); its record says completed and wins.
    const slurm = states(['40|0|40_0|FAILED|NonZeroExitCode', '40|1|40_1|COMPLETING|None', '41|3|41_3|CANCELLED|DependencyNeverSatisfied', '41|4|41_4|CANCELLED|None']);
    const by = new Map(mergeStatus(studyDir, members, jobs, slurm).map((s) => [s.member, s]));
    assert.equal(by.get('teacher')!.status, 'failed');
    assert.equal(by.get('teacher')!.detail, 'CSV file not found: /data/x.csv');
    assert.equal(by.get('scratch-s1')!.status, 'completed');
    assert.equal(by.get('kd-s1')!.status, 'blocked');
    assert.equal(by.get('kd-s1')!.detail, 'its teacher (member teacher) did not complete');
    assert.equal(by.get('kd-s2')!.status, 'blocked');
  });

  test('an attempt of an earlier submission that completed speaks for the member; a later one that failed does not hide it', () => {
    const { studyDir, members } = setup('attempts');
    const first = folder(studyDir, 'kd-s1');
    markQueued(first, { method: 'kd' });
    markRunning(first);
    markCompleted(first);
    const second = folder(studyDir, 'kd-s1.r2');
    markFailed(second, { message: 'out of memory' });
    const jobs = jobsOf([[3, 'kd-s1', '41', 'kd-s1.r2']]);
    const by = new Map(mergeStatus(studyDir, members, jobs, states(['41|3|41_3|OUT_OF_MEMORY|OutOfMemory'])).map((s) => [s.member, s]));
    assert.equal(by.get('kd-s1')!.status, 'completed');
    assert.equal(by.get('kd-s1')!.runDir, join(studyDir, 'kd-s1'));
  });
});
