import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { api, extension, note } from './support';

describe('activation', () => {
  it('activates, returns its parts, and is quick about it', async () => {
    const started = performance.now();
    const distill = await api();
    const wallMs = performance.now() - started;
    assert.ok(extension().isActive);
    assert.ok(distill.store && distill.runner && distill.tree && distill.log);
    assert.ok(distill.activationMs < 1000, `activate() took ${distill.activationMs.toFixed(1)} ms`);
    note(`activate(): ${distill.activationMs.toFixed(1)} ms inside, ${wallMs.toFixed(0)} ms from the test's call (includes loading dist/extension.js if not yet active)`);
    assert.match(distill.log.tail(), /activated in [\d.]+ ms/);
  });

  it('uses .distill in the workspace folder as the runs folder by default', async () => {
    const distill = await api();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the suite runs with a workspace folder open');
    assert.equal(distill.store.runsDir, join(folder.uri.fsPath, '.distill'));
  });

  it('loads no TensorFlow into the extension host: the bundle has none and nothing required it', async () => {
    await api();
    const bundle = join(extension().extensionPath, 'dist', 'extension.js');
    const text = readFileSync(bundle, 'utf8');
    // The native backend's installer names the packages it installs; no TensorFlow module may be bundled or required.
    assert.doesNotMatch(text, /node_modules\/@tensorflow\//, 'dist/extension.js bundles a @tensorflow module');
    assert.doesNotMatch(text, /require\(["']@tensorflow\//, 'dist/extension.js requires a @tensorflow module');
    note(`dist/extension.js: ${(statSync(bundle).size / 1024).toFixed(0)} KiB`);
    const loaded = Object.keys(require.cache).filter((path) => path.includes(`${join('node_modules', '@tensorflow')}`));
    assert.deepEqual(loaded, []);
  });
});
