import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { chooseRunsDirSetting, resolveRunsDir } from '../../src/host/experiments/runs-dir';

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

describe('who may point distill.runsDir where', () => {
  const workspace = '/ws/project';

  test("the user's own settings may name any folder", () => {
    assert.deepEqual(chooseRunsDirSetting({ globalValue: '~' }, workspace), { setting: '~' });
    assert.deepEqual(chooseRunsDirSetting({ globalValue: '/data/runs' }, undefined), { setting: '/data/runs' });
    assert.deepEqual(chooseRunsDirSetting({}, workspace), { setting: '' });
  });

  test("a workspace's settings may name a folder inside the workspace folder", () => {
    assert.deepEqual(chooseRunsDirSetting({ workspaceValue: 'out/runs', globalValue: '/data/runs' }, workspace), { setting: 'out/runs' });
    assert.deepEqual(chooseRunsDirSetting({ workspaceValue: '${workspaceFolder}/runs' }, workspace), { setting: '${workspaceFolder}/runs' });
    assert.deepEqual(chooseRunsDirSetting({ workspaceFolderValue: '/ws/project/runs', workspaceValue: '~' }, workspace), { setting: '/ws/project/runs' });
  });

  test("a workspace's settings cannot leave the workspace folder: the user's value or the default applies, with a warning", () => {
    for (const value of ['~', homedir(), '..', '../other', '/', '/ws/project', '.', '${workspaceFolder}/..']) {
      const chosen = chooseRunsDirSetting({ workspaceValue: value }, workspace);
      assert.equal(chosen.setting, '', value);
      assert.match(chosen.ignored ?? '', /distill\.runsDir ".*" from the workspace settings is ignored: it resolves to .*, outside the workspace folder \/ws\/project; .* user settings/, value);
    }
    assert.equal(chooseRunsDirSetting({ workspaceFolderValue: '~', globalValue: '/data/runs' }, workspace).setting, '/data/runs');
    assert.match(chooseRunsDirSetting({ workspaceValue: 'runs' }, undefined).ignored ?? '', /no workspace folder is open/);
  });

  test('a symbolic link inside the workspace that points out of it does not count as inside', () => {
    const root = mkdtempSync(join(tmpdir(), 'distill-runsdir-'));
    try {
      const ws = join(root, 'ws');
      mkdirSync(join(ws, 'real'), { recursive: true });
      mkdirSync(join(root, 'elsewhere'));
      symlinkSync(join(root, 'elsewhere'), join(ws, 'escape'));
      assert.deepEqual(chooseRunsDirSetting({ workspaceValue: 'real' }, ws), { setting: 'real' });
      assert.equal(chooseRunsDirSetting({ workspaceValue: 'escape' }, ws).setting, '');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the manifest keeps machine-level settings away from workspaces', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));

  test('distill.nodePath is machine scoped: a workspace cannot choose the binary the extension spawns', () => {
    assert.equal(manifest.contributes.configuration.properties['distill.nodePath'].scope, 'machine');
  });

  test('untrusted workspaces are declared, and limited away from nodePath and runsDir', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(untrusted, 'capabilities.untrustedWorkspaces is declared');
    assert.equal(untrusted.supported, 'limited');
    assert.deepEqual([...untrusted.restrictedConfigurations].sort(), ['distill.nodePath', 'distill.runsDir']);
    assert.ok(untrusted.description);
  });
});
