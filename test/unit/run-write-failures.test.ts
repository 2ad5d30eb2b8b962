// A run whose folder cannot be written fails saying what and why, and leaves no temp folders.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runExperiment } from '../../src/core/run/experiment';
import type { TrainerEvent } from '../../src/shared/protocol';
import { RunFolder } from '../../src/shared/run-folder';
import { tinyConfig } from '../support/tiny-config';

describe('a run folder that cannot be written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distill-unwritable-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a checkpoint that cannot be swapped in fails the run, named, and leaves no best.tmp-… folder', async () => {
    const runDir = join(dir, 'blocked');
    const teacherDir = join(runDir, 'checkpoints', 'teacher');
    // `best` is a folder that cannot be moved aside (its `.old` names are taken by non-empty
    // folders), so swapping the freshly written temp folder in fails half way.
    mkdirSync(join(teacherDir, 'best'), { recursive: true });
    writeFileSync(join(teacherDir, 'best', 'keep'), '');
    for (let n = 0; n < 2000; n++) {
      mkdirSync(join(teacherDir, `best.tmp-${process.pid}-${n}.old`));
      writeFileSync(join(teacherDir, `best.tmp-${process.pid}-${n}.old`, 'x'), '');
    }
    const events: TrainerEvent[] = [];
    await assert.rejects(runExperiment(tinyConfig({ baseline: false }), { runDir, onEvent: (e) => events.push(e) }), /checkpoint .*teacher.best cannot be written: ENOTEMPTY/);
    const failed = events.find((e) => e.type === 'failed') as Extract<TrainerEvent, { type: 'failed' }> | undefined;
    assert.match(failed?.message ?? '', /checkpoint .*teacher.best cannot be written/);
    assert.equal(new RunFolder(runDir).readRecord()?.status, 'failed');
    assert.deepEqual(
      readdirSync(teacherDir).filter((name) => name.startsWith('best.tmp-')),
      [],
    );
  });

  test('a run folder under a regular file: the error names the path and the reason', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const events: TrainerEvent[] = [];
    await assert.rejects(runExperiment(tinyConfig(), { runDir: join(dir, 'a-file', 'run-1'), onEvent: (e) => events.push(e) }), /ENOTDIR.*a-file.run-1/);
  });
});
