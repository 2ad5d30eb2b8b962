// Distill: Install Native Backend inside a real VS Code, against a real npm registry on 127.0.0.1
// (Verdaccio, started here) serving stand-ins for the native packages: the GPU one's install
// script fails as tfjs-node's does without the internet, the CPU one installs and registers a
// backend. The extension's own npm, trainer and CLI do the rest.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { NativeInstallResult } from '../../src/host/native-backend/install-flow';
import { NATIVE_PACKAGES, NATIVE_VERSION } from '../../src/shared/native-backend';
import type { DistillApi } from '../../src/host/extension';
import { OFFLINE_INSTALL, QUIET_INSTALL, startRegistry, WORKING_BACKEND_MAIN, writePackage, type TestRegistry } from '../support/npm-registry';
import { api, extension, tempDir, tinyRun, waitFor, waitForStatus } from './support';

const INSTALL = 'distill.installNativeBackend';

describe('Distill: Install Native Backend', function () {
  this.timeout(180_000);
  let distill: DistillApi;
  let registry: TestRegistry;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    distill = await api();
    const work = tempDir('distill-native-it-');
    registry = await startRegistry(join(work, 'registry'), extension().extensionPath);
    registry.publish(writePackage(join(work, 'packages'), { name: NATIVE_PACKAGES.gpu, version: NATIVE_VERSION, main: WORKING_BACKEND_MAIN, install: OFFLINE_INSTALL }));
    registry.publish(writePackage(join(work, 'packages'), { name: NATIVE_PACKAGES.cpu, version: NATIVE_VERSION, main: WORKING_BACKEND_MAIN, install: QUIET_INSTALL }));
    // The extension hands its own environment to npm, as a user's npm settings would be.
    for (const [key, value] of Object.entries(registry.env).filter(([key]) => key.startsWith('npm_config_'))) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
  });

  after(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    // The suites after this one train on WASM, as before.
    if (distill) rmSync(distill.nativeBackendsDir, { recursive: true, force: true });
    await registry?.stop();
  });

  const trainOnce = async (name: string) => {
    const runDir = await vscode.commands.executeCommand<string>('distill.newExperiment', tinyRun(name, { backend: 'auto', method: { name: 'scratch' }, baseline: false }));
    assert.ok(runDir);
    const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled']);
    assert.equal(record.status, 'completed', record.error?.message);
    await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
    return record;
  };

  it('where the download cannot happen, the command ends saying why, with npm’s log in the output channel, and runs carry on with WASM', async () => {
    const result = await vscode.commands.executeCommand<NativeInstallResult>(INSTALL, { variant: 'gpu' });
    assert.ok(result);
    assert.deepEqual([result.ok, result.cancelled], [false, false]);
    assert.match(
      result.message,
      /^The native backend was not installed: the install script of @tensorflow\/tfjs-node-gpu \(sh -c node install\.js\) failed: Error: getaddrinfo ENOTFOUND storage\.googleapis\.com while downloading https:\/\/storage\.googleapis\.com\/\S+\. Runs carry on with WASM\.$/,
    );
    assert.match(distill.log.tail(), /\[npm\] \* Downloading libtensorflow/);
    assert.ok(distill.log.tail().includes(result.message));
    // npm's staging folder is gone, and no GPU package is installed.
    assert.deepEqual(existsSync(distill.nativeBackendsDir) ? readdirSync(distill.nativeBackendsDir) : [], []);
    assert.equal((await trainOnce('it-native-failed')).backend, 'wasm');
  });

  it('installed, the next run with backend auto trains on it and its run.json says tfjs-node', async () => {
    const result = await vscode.commands.executeCommand<NativeInstallResult>(INSTALL, { variant: 'cpu' });
    assert.ok(result);
    assert.equal(result.message, `Native backend installed: ${NATIVE_PACKAGES.cpu}@${NATIVE_VERSION} in ${distill.nativeBackendsDir}. Runs with distill.backend auto or tfjs-node now use it.`);
    assert.equal((await trainOnce('it-native-installed')).backend, 'tfjs-node');
    assert.match(distill.log.tail(), new RegExp(`TensorFlow\\.js backend: tfjs-node \\[@tensorflow/tfjs-node ${NATIVE_VERSION.replace(/\./g, '\\.')} from ${distill.nativeBackendsDir}`));
  });

  it('a bad argument is refused naming the field', async () => {
    assert.equal(await vscode.commands.executeCommand(INSTALL, { variant: 'tpu' }), undefined);
    assert.match(distill.log.tail(), /distill\.installNativeBackend: variant: expected "cpu" or "gpu", got "tpu"/);
  });
});
