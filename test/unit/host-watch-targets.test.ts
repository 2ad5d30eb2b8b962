// The runs folder is watched level by level, never recursively (a runs folder may be any folder).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { watchTargets } from '../../src/host/experiments/watch-targets';

const root = mkdtempSync(join(tmpdir(), 'distill-watch-'));
after(() => rmSync(root, { recursive: true, force: true }));
const shown = (runs: string) =>
  watchTargets(runs)
    .map((t) => `${t.folder.slice(root.length)}|${t.pattern}`)
    .sort();

test('the runs folder, each experiment and each run folder, each non-recursively; never the checkpoints below', () => {
  const runs = join(root, 'runs');
  mkdirSync(join(runs, 'exp-a', 'run-1', 'checkpoints', 'best'), { recursive: true });
  writeFileSync(join(runs, 'exp-a', 'run-1', 'run.json'), '{}');
  assert.deepEqual(shown(runs), ['/runs/exp-a/run-1|*', '/runs/exp-a|*', '/runs|*']);
  for (const target of watchTargets(runs)) assert.ok(!target.pattern.includes('**') && !target.pattern.includes('/'), `recursive pattern ${target.pattern}`);
  mkdirSync(join(runs, 'exp-b', 'run-2'), { recursive: true });
  rmSync(join(runs, 'exp-a'), { recursive: true });
  assert.deepEqual(shown(runs), ['/runs/exp-b/run-2|*', '/runs/exp-b|*', '/runs|*'], 'the targets follow the folders');
});

test('a runs folder that does not exist yet is watched from its parent, for its own name only', () => {
  assert.deepEqual(shown(join(root, 'later', '.distill')), ['/later|.distill']);
});
