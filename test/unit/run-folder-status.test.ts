// run.json's status transitions: queued → running → completed | failed | cancelled, a dead
// owner's run → interrupted; every other move is refused and leaves the file as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunRecord, RunStatus } from '../../src/shared/protocol';
import {
  canBecome,
  DamagedRunFile,
  IllegalTransition,
  isOwnerGone,
  markCancelled,
  markCompleted,
  markFailed,
  markInterrupted,
  markQueued,
  markRunning,
  recordBackend,
  RunFolder,
} from '../../src/shared/run-folder';

const root = mkdtempSync(join(tmpdir(), 'distill-status-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshFolder = () => new RunFolder(join(root, 'exp', `run-${n++}`));

const STATUSES: RunStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'];
/** Written out by hand from the rule, not derived from the module's table. */
const LEGAL: [RunStatus | undefined, RunStatus][] = [
  [undefined, 'queued'],
  [undefined, 'failed'],
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['queued', 'failed'],
  ['queued', 'interrupted'],
  ['running', 'completed'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'interrupted'],
];

const MARK: Record<RunStatus, (folder: RunFolder) => RunRecord> = {
  queued: (folder) => markQueued(folder, { method: 'kd' }),
  running: (folder) => markRunning(folder, { versions: { node: process.version } }),
  completed: markCompleted,
  failed: (folder) => markFailed(folder, { message: 'it broke', stack: 'at somewhere' }),
  cancelled: markCancelled,
  interrupted: (folder) => markInterrupted(folder, 'its owner is gone'),
};

/** A folder whose run.json went the legal way to `status` (or has none). */
function folderAt(status: RunStatus | undefined): RunFolder {
  const folder = freshFolder();
  const path: Record<RunStatus, RunStatus[]> = {
    queued: ['queued'],
    running: ['queued', 'running'],
    completed: ['queued', 'running', 'completed'],
    failed: ['queued', 'failed'],
    cancelled: ['queued', 'cancelled'],
    interrupted: ['queued', 'running', 'interrupted'],
  };
  for (const step of status ? path[status] : []) MARK[step](folder);
  return folder;
}

describe('run.json status transitions', () => {
  test('queued → running → completed records the owner, the times and the method', () => {
    const folder = freshFolder();
    const queued = markQueued(folder, { method: 'dkd' });
    assert.deepEqual([queued.status, queued.method, queued.id, queued.experiment, queued.pid, queued.host], ['queued', 'dkd', folder.id, 'exp', process.pid, hostname()]);
    const running = markRunning(folder, { versions: { node: process.version } });
    assert.equal(running.status, 'running');
    assert.ok(running.startedAt && running.createdAt === queued.createdAt);
    assert.deepEqual(running.versions, { node: process.version });
    assert.equal(recordBackend(folder, 'wasm').backend, 'wasm');
    const completed = markCompleted(folder);
    assert.deepEqual([completed.status, completed.method, completed.backend, completed.pid], ['completed', 'dkd', 'wasm', process.pid]);
    assert.ok(completed.endedAt);
    assert.deepEqual(folder.readRecord(), completed, 'what was returned is what is on disk');
  });

  test('every legal move is made, every other one refused with the file left as it was', () => {
    for (const from of [undefined, ...STATUSES]) {
      for (const to of STATUSES) {
        const legal = LEGAL.some(([f, t]) => f === from && t === to);
        assert.equal(canBecome(from, to), legal, `${from ?? '(none)'} → ${to}`);
        const folder = folderAt(from);
        const before = folder.hasRecord() ? readFileSync(folder.recordPath, 'utf8') : undefined;
        if (legal) {
          assert.equal(MARK[to](folder).status, to, `${from ?? '(none)'} → ${to}`);
        } else {
          assert.throws(
            () => MARK[to](folder),
            (error: unknown) => error instanceof IllegalTransition && error.message.includes(`cannot become ${to}`),
            `${from ?? '(none)'} → ${to}`,
          );
          assert.equal(folder.hasRecord() ? readFileSync(folder.recordPath, 'utf8') : undefined, before, `${from ?? '(none)'} → ${to} left run.json alone`);
        }
      }
    }
  });

  test('a config rejected before anything queued the run: failed, with no method invented', () => {
    const folder = freshFolder();
    const failed = markFailed(folder, { message: 'Invalid experiment config' });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.method, undefined);
    assert.equal(failed.error?.message, 'Invalid experiment config');
  });

  test('the backend is recorded only while the run is running', () => {
    assert.throws(() => recordBackend(folderAt('queued'), 'wasm'), /while the run is running, not queued/);
    assert.throws(() => recordBackend(folderAt('completed'), 'wasm'), /not completed/);
  });

  test('a damaged run.json is never overwritten by a transition', () => {
    const folder = freshFolder();
    folder.ensure();
    writeFileSync(folder.recordPath, '{ "id": "run-1", "stat');
    assert.throws(
      () => markCancelled(folder),
      (error: unknown) => error instanceof DamagedRunFile && error.damage.path === folder.recordPath,
    );
    assert.equal(readFileSync(folder.recordPath, 'utf8'), '{ "id": "run-1", "stat');
  });
});

describe('who owns a run', () => {
  const record = (fields: Partial<RunRecord>): RunRecord => ({ id: 'r', experiment: 'e', status: 'running', createdAt: '', pid: 42, host: 'here', ...fields });
  const dead = () => false;
  const alive = () => true;

  test('a running or queued run whose owner died on this machine is abandoned', () => {
    assert.equal(isOwnerGone(record({}), dead, 'here'), true);
    assert.equal(isOwnerGone(record({ status: 'queued' }), dead, 'here'), true);
    assert.equal(isOwnerGone(record({}), alive, 'here'), false);
  });

  test('a run on another machine is not judged by a pid here', () => {
    assert.equal(isOwnerGone(record({ host: 'cluster-node-7' }), dead, 'here'), false);
  });

  test('a record without a host name (older runs) is judged on this machine; an ended run never is', () => {
    assert.equal(isOwnerGone(record({ host: undefined }), dead, 'here'), true);
    assert.equal(isOwnerGone(record({ status: 'completed' }), dead, 'here'), false);
    assert.equal(isOwnerGone(record({ pid: undefined }), dead, 'here'), false);
  });
});
