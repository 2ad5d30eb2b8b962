import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { markCancelled, markCompleted, markFailed, markInterrupted, markQueued, markRunning, RunFolder } from '../../src/shared/run-folder';
import type { RunEntry } from '../../src/host/experiments/store';
import { parseExperimentConfig, type ExperimentConfigInput, type ModelSummary, type RunStatus } from '../../src/shared/protocol';
import { planResume } from '../../src/host/training/resume';
import { tinyConfig } from '../support/tiny-config';

/** The run.json of a run that went the usual way to `status`. */
function recordAs(folder: RunFolder, status: RunStatus) {
  const queued = markQueued(folder, { method: 'kd' });
  if (status === 'queued') return queued;
  if (status === 'cancelled') return markCancelled(folder);
  if (status === 'failed') return markFailed(folder, { message: 'it broke' });
  const running = markRunning(folder);
  if (status === 'running') return running;
  return status === 'completed' ? markCompleted(folder) : markInterrupted(folder, 'its owner is gone');
}

describe('Resume (what a new run keeps from an unfinished one)', () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'distill-resume-'));
  after(() => rmSync(runsDir, { recursive: true, force: true }));
  let n = 0;

  function entry(status: RunStatus, options: { config?: ExperimentConfigInput; teacherDone?: boolean; teacherCheckpoint?: boolean } = {}): RunEntry {
    const folder = new RunFolder(join(runsDir, 'exp', `run-${n++}`));
    folder.ensure();
    folder.writeConfig(parseExperimentConfig(options.config ?? tinyConfig()));
    const record = recordAs(folder, status);
    if (options.teacherCheckpoint) {
      mkdirSync(folder.checkpointDir('teacher', 'last'), { recursive: true });
      writeFileSync(join(folder.checkpointDir('teacher', 'last'), 'model.json'), '{}');
    }
    const models = options.teacherDone ? [{ role: 'teacher' } as ModelSummary] : [];
    return { kind: 'run', runDir: folder.dir, experiment: folder.experiment, id: folder.id, folder, record, summary: { models } as never };
  }

  test('after the teacher phase: loads that teacher (its last checkpoint) and trains the students again', () => {
    const old = entry('interrupted', { teacherDone: true, teacherCheckpoint: true });
    const plan = planResume(old);
    assert.equal(plan.config.teacher.checkpoint, old.folder.checkpointDir('teacher', 'last'));
    assert.equal(plan.config.seed, 42);
    assert.match(plan.note, /trained teacher/);
  });

  test('during the teacher phase: starts again with the same config', () => {
    const plan = planResume(entry('failed', { teacherCheckpoint: true }));
    assert.equal(plan.config.teacher.checkpoint, undefined);
    assert.match(plan.note, /starts again from the beginning/);
  });

  test('a teacher-only run starts again', () => {
    const plan = planResume(entry('cancelled', { config: tinyConfig({ method: { name: 'teacher' } }), teacherDone: true, teacherCheckpoint: true }));
    assert.equal(plan.config.teacher.checkpoint, undefined);
  });

  test('a completed or running run cannot be resumed', () => {
    assert.throws(() => planResume(entry('completed')), /only an interrupted, failed or cancelled run/);
    assert.throws(() => planResume(entry('running')), /this one is running/);
  });
});
