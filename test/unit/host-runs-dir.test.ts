import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveRunsDir } from '../../src/host/experiments/runs-dir';

describe('where the runs folder is (distill.runsDir)', () => {
  const workspace = '/ws/project';
  const storage = '/home/u/.vscode/globalStorage/distill-lab.distill-lab';

  test('defaults to .distill in the workspace folder, or global storage without one', () => {
    assert.equal(resolveRunsDir('', workspace, storage), join(workspace, '.distill'));
    assert.equal(resolveRunsDir('', undefined, storage), join(storage, 'runs'));
  });

  test('takes an absolute path as it is, and a relative one from the workspace folder', () => {
    assert.equal(resolveRunsDir('/data/runs', workspace, storage), '/data/runs');
    assert.equal(resolveRunsDir('experiments/runs', workspace, storage), join(workspace, 'experiments/runs'));
  });

  test('expands ~ and ${workspaceFolder}', () => {
    assert.equal(resolveRunsDir('~/distill-runs', workspace, storage), join(homedir(), 'distill-runs'));
    assert.equal(resolveRunsDir('${workspaceFolder}/out/runs', workspace, storage), join(workspace, 'out/runs'));
  });
});
