// What the tree shows of a study's members: each one's status from its run folders and, while the
// study runs in this window, from the runner (queued, started, blocked by its teacher); the progress line.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseStudy, type RunStatus } from '../../src/shared/protocol';
import type { ListedRun } from '../../src/shared/run-folder';
import { RunFolder } from '../../src/shared/run-folder';
import { expandStudy } from '../../src/shared/study/expand';
import { memberViews, studyContext, studyProgress } from '../../src/host/study/member-view';

const studyDir = join('/runs', 'cmp');
// teacher, scratch-s1, scratch-s2, kd-s1, kd-s2, dkd-s1, dkd-s2
const members = expandStudy(parseStudy({ name: 'cmp', methods: ['kd', 'dkd'], seeds: [1, 2] }), 'cmp').members;

function run(id: string, status: RunStatus, dir = studyDir): ListedRun {
  const runDir = join(dir, id);
  return { kind: 'run', folder: new RunFolder(runDir), runDir, experiment: 'cmp', id, record: { id, experiment: 'cmp', status, createdAt: '2026-12-02T00:00:00Z' } as never };
}

const statuses = (views: ReturnType<typeof memberViews>) => Object.fromEntries(views.map((v) => [v.member.id, v.status]));

describe('study members in the tree', () => {
  test('the expansion this test relies on', () => {
    assert.deepEqual(
      members.map((m) => m.id),
      ['teacher', 'scratch-s1', 'scratch-s2', 'kd-s1', 'kd-s2', 'dkd-s1', 'dkd-s2'],
    );
  });

  test('not running here: each member as its run folder says, "not started" without one', () => {
    const views = memberViews(studyDir, members, [run('teacher', 'completed'), run('scratch-s1', 'completed'), run('kd-s1', 'failed'), run('dkd-s1', 'running')]);
    assert.deepEqual(statuses(views), {
      teacher: 'completed',
      'scratch-s1': 'completed',
      'scratch-s2': 'not started',
      'kd-s1': 'failed',
      'kd-s2': 'not started',
      'dkd-s1': 'running',
      'dkd-s2': 'not started',
    });
    assert.equal(studyProgress(views), '2/7 done, 1 running, 1 failed, 3 not started');
    assert.equal(studyContext(views, false), 'study.incomplete');
  });

  test('the latest completed attempt speaks for a member, else the latest; runs of other folders and non-members are not its', () => {
    const listed = [
      run('kd-s1', 'completed'),
      run('kd-s1.r2', 'failed'),
      run('kd-s2', 'failed'),
      run('kd-s2.r3', 'cancelled'),
      run('kd-s2.r2', 'failed'),
      run('kd-s10', 'completed'),
      run('kd-s2', 'completed', join('/runs', 'other')),
      run('run-2026', 'completed'),
    ];
    const views = memberViews(studyDir, members, listed);
    const kd1 = views.find((v) => v.member.id === 'kd-s1')!;
    const kd2 = views.find((v) => v.member.id === 'kd-s2')!;
    assert.deepEqual([kd1.status, kd1.run?.id, kd1.attempts], ['completed', 'kd-s1', 2]);
    assert.deepEqual([kd2.status, kd2.run?.id, kd2.attempts], ['cancelled', 'kd-s2.r3', 3]);
  });

  test('while it runs here: members not started are queued (a failed attempt too), a started one shows its new folder', () => {
    const listed = [run('teacher', 'completed'), run('scratch-s1', 'running'), run('kd-s1', 'failed'), run('kd-s1.r2', 'running')];
    const started = new Map([
      ['scratch-s1', join(studyDir, 'scratch-s1')],
      ['kd-s1', join(studyDir, 'kd-s1.r2')],
      // Its trainer has not written run.json yet.
      ['kd-s2', join(studyDir, 'kd-s2')],
    ]);
    const views = memberViews(studyDir, members, listed, { started });
    assert.deepEqual(statuses(views), { teacher: 'completed', 'scratch-s1': 'running', 'scratch-s2': 'queued', 'kd-s1': 'running', 'kd-s2': 'running', 'dkd-s1': 'queued', 'dkd-s2': 'queued' });
    assert.equal(views.find((v) => v.member.id === 'kd-s2')!.run, undefined);
    assert.equal(studyProgress(views), '1/7 done, 3 running, 3 queued');
    assert.equal(studyContext(views, true), 'study.running');
  });

  test('a teacher that ended without completing blocks the members that learn from it, not the baselines', () => {
    const started = new Map([['teacher', join(studyDir, 'teacher')]]);
    const views = memberViews(studyDir, members, [run('teacher', 'failed'), run('scratch-s1', 'completed')], { started });
    assert.deepEqual(statuses(views), { teacher: 'failed', 'scratch-s1': 'completed', 'scratch-s2': 'queued', 'kd-s1': 'blocked', 'kd-s2': 'blocked', 'dkd-s1': 'blocked', 'dkd-s2': 'blocked' });
    // Not running: still blocked, not "not started".
    assert.equal(memberViews(studyDir, members, [run('teacher', 'cancelled')]).find((v) => v.member.id === 'kd-s1')!.status, 'blocked');
    // A teacher queued again (resumed): its students wait, queued.
    assert.equal(memberViews(studyDir, members, [run('teacher', 'failed')], { started: new Map() }).find((v) => v.member.id === 'kd-s1')!.status, 'queued');
  });

  test('a complete study', () => {
    const views = memberViews(
      studyDir,
      members,
      members.map((m) => run(m.id, 'completed')),
    );
    assert.equal(studyProgress(views), '7/7 done');
    assert.equal(studyContext(views, false), 'study.complete');
  });
});
