// The native backend one command away, against a real npm registry on 127.0.0.1 (Verdaccio,
// started here) serving stand-in packages built here: install with the real npm, resolution by
// the engine, each way an install fails, and the fallback to WASM. No internet, no mock of npm.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { parseBackendArgs } from '../../src/cli/backend';
import { initBackend } from '../../src/core/backend';
import { installAndCheck } from '../../src/host/native-backend/install-flow';
import {
  explainNpmFailure,
  installedNativePackages,
  installNativeBackend,
  NATIVE_BACKENDS_ENV,
  NATIVE_PACKAGES,
  NATIVE_VERSION,
  variantPrefix,
  type NativeVariant,
} from '../../src/shared/native-backend';
import { listRuns } from '../../src/shared/run-folder';
import { ROOT } from '../support/build';
import { OFFLINE_INSTALL, QUIET_INSTALL, startRegistry, WORKING_BACKEND_MAIN, writePackage, type TestRegistry } from '../support/npm-registry';

const work = mkdtempSync(join(tmpdir(), 'distill-native-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sumOnCurrentBackend = () => tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);

/** A backends folder written by hand (no npm): what a half-working install leaves. */
function handMadeFolder(name: string, version: string, main: string, variant: NativeVariant = 'cpu'): string {
  const dir = join(work, name);
  const scope = join(variantPrefix(dir, variant), 'node_modules', '@tensorflow');
  const packageName = NATIVE_PACKAGES[variant];
  writePackage(scope, { name: packageName, version, main });
  // writePackage names its folder for publishing; the loader expects <prefix>/node_modules/@tensorflow/tfjs-node(-gpu).
  const made = join(scope, `${packageName.replace(/[@/]/g, '_')}-${version}`);
  const target = join(scope, packageName.split('/')[1]);
  mkdirSync(target, { recursive: true });
  for (const file of ['package.json', 'index.js']) writeFileSync(join(target, file), readFileSync(join(made, file)));
  rmSync(made, { recursive: true });
  return dir;
}

describe('loading a native backend from a backends folder (no npm)', () => {
  test('nothing installed: auto falls back to wasm, naming the folder and the command; tfjs-node asked for by name is an error', async () => {
    const empty = join(work, 'empty');
    const choice = await initBackend('auto', () => {}, { nativeBackendsDir: empty });
    assert.equal(choice.backend, 'wasm');
    assert.equal(choice.attempts[0].name, 'tfjs-node');
    assert.ok(choice.attempts[0].error?.includes(`not installed in ${empty} (Distill: Install Native Backend, or distill-lab backend install)`), choice.attempts[0].error);
    assert.equal(sumOnCurrentBackend(), 6);
    await assert.rejects(
      initBackend('tfjs-node', () => {}, { nativeBackendsDir: empty }),
      /Backend 'tfjs-node' could not be started: @tensorflow\/tfjs-node could not be loaded: not installed in/,
    );
  });

  test('a package whose binding does not load: auto falls back to wasm and says what it threw', async () => {
    const dir = handMadeFolder('broken', NATIVE_VERSION, "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n");
    const choice = await initBackend('auto', () => {}, { nativeBackendsDir: dir });
    assert.equal(choice.backend, 'wasm');
    assert.match(choice.attempts[0].error ?? '', new RegExp(`@tensorflow/tfjs-node ${NATIVE_VERSION} in .*broken: libtensorflow\\.so\\.2: cannot open shared object file`));
    assert.equal(tf.getBackend(), 'wasm');
  });

  test('a package built for another tfjs-core is refused before it is loaded', async () => {
    const dir = handMadeFolder('other-version', '4.0.0', "throw new Error('must not be loaded');\n");
    const choice = await initBackend('auto', () => {}, { nativeBackendsDir: dir });
    assert.equal(choice.backend, 'wasm');
    assert.match(choice.attempts[0].error ?? '', new RegExp(`version 4\\.0\\.0 does not match this engine's tfjs-core ${tf.version_core.replace(/\./g, '\\.')}; install it again`));
    assert.doesNotMatch(choice.attempts[0].error ?? '', /must not be loaded/);
  });
});

describe('explainNpmFailure', () => {
  test('tfjs-node’s real failure here: its install script cannot download libtensorflow', () => {
    // npm 11's output when @tensorflow/tfjs-node@4.22.0's install script ran on this machine.
    const output = [
      '> @tensorflow/tfjs-node@4.22.0 install',
      '> node scripts/install.js',
      'CPU-linux-4.22.0.tar.gz',
      '* Downloading libtensorflow',
      'https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz',
      "      throw er; // Unhandled 'error' event",
      'Error: getaddrinfo ENOTFOUND storage.googleapis.com',
      '    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)',
      'npm error code 1',
      'npm error path /tmp/x/node_modules/@tensorflow/tfjs-node',
      'npm error command failed',
      'npm error command sh -c node scripts/install.js',
    ].join('\n');
    assert.equal(
      explainNpmFailure(output, 1, '@tensorflow/tfjs-node@4.22.0'),
      'the install script of @tensorflow/tfjs-node (sh -c node scripts/install.js) failed: Error: getaddrinfo ENOTFOUND storage.googleapis.com while downloading https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz',
    );
  });

  test('an unknown failure keeps npm’s last error line and the exit code', () => {
    assert.equal(
      explainNpmFailure('npm error code EACCES\nnpm error permission denied, mkdir /x\nnpm error A complete log of this run can be found in: /y', 243, 'p@1'),
      'npm exited with code 243: permission denied, mkdir /x',
    );
  });
});

describe('installing against a local npm registry', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry(join(work, 'registry'), ROOT);
    const packages = join(work, 'packages');
    registry.publish(writePackage(packages, { name: NATIVE_PACKAGES.cpu, version: NATIVE_VERSION, main: WORKING_BACKEND_MAIN, install: QUIET_INSTALL }));
    registry.publish(writePackage(packages, { name: NATIVE_PACKAGES.gpu, version: NATIVE_VERSION, main: WORKING_BACKEND_MAIN, install: OFFLINE_INSTALL }));
  });
  after(() => registry?.stop());

  const install = (dir: string, variant: 'cpu' | 'gpu', extra: { version?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}) => {
    let output = '';
    const outcome = installNativeBackend({ dir, variant, nodePath: process.execPath, env: registry.env, onOutput: (text) => (output += text), timeoutMs: 60_000, ...extra });
    return outcome.then((result) => ({ ...result, output }));
  };

  test('installs into its own folder with the real npm, streaming npm’s log and the install script’s output', async () => {
    const dir = join(work, 'installed');
    const result = await install(dir, 'cpu');
    assert.equal(result.ok, true, JSON.stringify(result));
    const prefix = join(dir, 'tfjs-node');
    assert.deepEqual(installedNativePackages(dir), [{ name: NATIVE_PACKAGES.cpu, variant: 'cpu', version: NATIVE_VERSION, prefix, dir: join(prefix, 'node_modules', '@tensorflow', 'tfjs-node') }]);
    // npm works in a staging prefix, moved into place once it succeeded.
    assert.match(result.output, new RegExp(`^\\$ .* install @tensorflow/tfjs-node@${NATIVE_VERSION.replace(/\./g, '\\.')} --prefix ${prefix}\\.partial`));
    assert.deepEqual(readdirSync(dir), ['tfjs-node']);
    assert.match(result.output, /stand-in install script: nothing to download/);
    assert.match(result.output, new RegExp(`GET 200 ${registry.url.replace(/\//g, '\\/')}@tensorflow%2ftfjs-node`));
    const manifest = JSON.parse(readFileSync(join(prefix, 'package.json'), 'utf8'));
    assert.equal(manifest.private, true);
    assert.equal(manifest.dependencies[NATIVE_PACKAGES.cpu], NATIVE_VERSION);
  });

  test('the engine resolves what was installed: auto prefers it and it computes with the engine’s own tfjs-core', async () => {
    const dir = join(work, 'installed');
    const lines: string[] = [];
    const choice = await initBackend('auto', (line) => lines.push(line), { nativeBackendsDir: dir });
    assert.equal(choice.backend, 'tfjs-node');
    assert.deepEqual(choice.native, { name: NATIVE_PACKAGES.cpu, variant: 'cpu', version: NATIVE_VERSION, from: dir });
    assert.equal(choice.label, 'tfjs-node');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.equal(sumOnCurrentBackend(), 6);
    assert.deepEqual(lines, [`TensorFlow.js backend: tfjs-node [@tensorflow/tfjs-node ${NATIVE_VERSION} from ${dir}] (auto)`]);
    await initBackend('wasm', () => {});
  });

  test('the GPU build, when it loads, is preferred and recorded as tfjs-node-gpu', async () => {
    const dir = handMadeFolder('gpu-and-cpu', NATIVE_VERSION, WORKING_BACKEND_MAIN, 'gpu');
    handMadeFolder('gpu-and-cpu', NATIVE_VERSION, "throw new Error('the CPU build must not be loaded when the GPU one loads');\n", 'cpu');
    const choice = await initBackend('tfjs-node', () => {}, { nativeBackendsDir: dir });
    assert.deepEqual([choice.backend, choice.label, choice.native?.name], ['tfjs-node', 'tfjs-node-gpu', NATIVE_PACKAGES.gpu]);
    assert.equal(sumOnCurrentBackend(), 6);
    await initBackend('wasm', () => {});
  });

  test('a registry without the package: says so, and installs nothing', async () => {
    const empty = await startRegistry(join(work, 'empty-registry'), ROOT);
    const dir = join(work, 'no-gpu');
    const result = await install(dir, 'gpu', { env: { ...registry.env, npm_config_registry: empty.url } }).finally(() => empty.stop());
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^the npm registry has no @tensorflow\/tfjs-node-gpu@\S+ \(Not Found - GET http:\/\/127\.0\.0\.1:\d+\/@tensorflow%2ftfjs-node-gpu/);
    assert.deepEqual(installedNativePackages(dir), []);
  });

  test('an install script that fails (no internet for libtensorflow): the reason, and nothing half-installed beside the backend already there', async () => {
    const dir = join(work, 'installed');
    const result = await install(dir, 'gpu');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && !result.cancelled);
    assert.equal(
      !result.ok && result.reason,
      'the install script of @tensorflow/tfjs-node-gpu (sh -c node install.js) failed: Error: getaddrinfo ENOTFOUND storage.googleapis.com while downloading https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz',
    );
    assert.deepEqual(
      installedNativePackages(dir).map((p) => p.name),
      [NATIVE_PACKAGES.cpu],
    );
    assert.deepEqual(readdirSync(dir), ['tfjs-node'], 'the staging folder of the failed install is gone');
  });

  test('a registry without that version: says so, and installs nothing', async () => {
    const dir = join(work, 'missing');
    const result = await install(dir, 'cpu', { version: '0.0.1-none' });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'the npm registry has no @tensorflow/tfjs-node@0.0.1-none (No matching version found for @tensorflow/tfjs-node@0.0.1-none)');
    assert.deepEqual(installedNativePackages(dir), []);
  });

  test('a registry that cannot be reached: says so', async () => {
    const port = await closedPort();
    const result = await install(join(work, 'unreachable'), 'cpu', { env: { ...registry.env, npm_config_registry: `http://127.0.0.1:${port}/` } });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^npm could not reach the registry: .*ECONNREFUSED/);
  });

  test('cancelled: npm is stopped and the outcome says cancelled', async () => {
    const aborter = new AbortController();
    aborter.abort();
    const result = await install(join(work, 'cancelled'), 'cpu', { signal: aborter.signal });
    assert.deepEqual(!result.ok && [result.cancelled, result.reason], [true, 'cancelled']);
  });

  test('cancelled while the install script runs: npm and the script are killed, nothing is left installed', async () => {
    // An install script that announces its pid and then waits, as a long download would.
    const slow = `console.log('install script pid ' + process.pid);\nsetTimeout(() => {}, 120000);\n`;
    registry.publish(writePackage(join(work, 'packages'), { name: NATIVE_PACKAGES.cpu, version: '0.0.2-slow', main: WORKING_BACKEND_MAIN, install: slow }), 'slow');
    const aborter = new AbortController();
    let scriptPid: number | undefined;
    const dir = join(work, 'cancelled-mid-way');
    const result = await installNativeBackend({
      dir,
      variant: 'cpu',
      version: '0.0.2-slow',
      nodePath: process.execPath,
      env: registry.env,
      signal: aborter.signal,
      onOutput: (text) => {
        const pid = /install script pid (\d+)/.exec(text)?.[1];
        if (pid) {
          scriptPid = Number(pid);
          aborter.abort();
        }
      },
    });
    assert.deepEqual(!result.ok && [result.cancelled, result.reason], [true, 'cancelled']);
    assert.ok(scriptPid, 'the install script ran');
    await waitUntilGone(scriptPid);
    assert.deepEqual(installedNativePackages(dir), []);
    assert.deepEqual(readdirSync(dir), [], 'what npm had extracted is gone with its staging folder');
  });

  test('a bad variant is refused naming the field', async () => {
    const result = await install(join(work, 'bad'), 'tpu' as never);
    assert.match(!result.ok ? result.reason : '', /^variant: expected cpu or gpu, got tpu/);
    assert.equal(existsSync(join(work, 'bad')), false);
    const inherited = await install(join(work, 'bad'), 'constructor' as never);
    assert.match(!inherited.ok ? inherited.reason : '', /^variant: expected cpu or gpu, got constructor/);
  });

  describe('the CLI: distill-lab backend install, then runs', () => {
    let cli: string;
    let out: string;
    before(async () => {
      // The bundle as npm run build makes it, inside the repository so its require() finds node_modules.
      mkdirSync(join(ROOT, 'test-output'), { recursive: true });
      out = mkdtempSync(join(ROOT, 'test-output', 'native-backend-cli-'));
      cli = join(out, 'cli.js');
      await build({
        entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
        outfile: cli,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['@tensorflow/*'],
        logLevel: 'silent',
      });
    });
    after(() => rmSync(out, { recursive: true, force: true }));

    const runCli = (args: string[], env: NodeJS.ProcessEnv = registry.env) => spawnSync(process.execPath, [cli, ...args], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
    const tinyRun = (backendsDir: string, name: string) =>
      runCli(
        [
          'run',
          '--method',
          'kd',
          '--teacher',
          'mlp:16',
          '--student',
          'mlp:8',
          '--epochs',
          '1',
          '--limit-train',
          '256',
          '--limit-validation',
          '64',
          '--limit-test',
          '64',
          '--no-baseline',
          '--name',
          name,
          '--runs-dir',
          join(work, 'runs'),
        ],
        { ...process.env, [NATIVE_BACKENDS_ENV]: backendsDir },
      );
    const recordOf = (name: string) => {
      const run = listRuns(join(work, 'runs')).find((folder) => folder.experiment === name);
      assert.ok(run, `a run of ${name}`);
      return {
        record: JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')) as { status: string; backend?: string },
        summary: JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8')) as { backend: string },
      };
    };

    test('backend install: npm installs it into --dir, then it loads; a run with backend auto trains on it and its records say so', () => {
      const dir = join(work, 'cli-installed');
      const installed = runCli(['backend', 'install', '--dir', dir]);
      assert.equal(installed.status, 0, installed.stderr + installed.stdout);
      assert.match(installed.stderr, /stand-in install script: nothing to download/);
      assert.match(installed.stdout, new RegExp(`tfjs-node: loads \\(@tensorflow/tfjs-node ${NATIVE_VERSION.replace(/\./g, '\\.')} from ${dir}\\)`));
      const trained = tinyRun(dir, 'on-native');
      assert.equal(trained.status, 0, trained.stderr);
      assert.match(trained.stdout, /backend tfjs-node/);
      const { record, summary } = recordOf('on-native');
      assert.deepEqual([record.status, record.backend, summary.backend], ['completed', 'tfjs-node', 'tfjs-node']);
    });

    // The run that then trains on WASM: the integration suite's, in the extension; the engine's auto fallback: above.
    test('backend install --gpu where the download cannot happen: exit 1 saying why; status says runs use WASM', () => {
      const dir = join(work, 'cli-failed');
      const failed = runCli(['backend', 'install', '--gpu', '--dir', dir]);
      assert.equal(failed.status, 1);
      assert.match(
        failed.stderr,
        /error: @tensorflow\/tfjs-node-gpu@\S+ was not installed: the install script of @tensorflow\/tfjs-node-gpu .* failed: Error: getaddrinfo ENOTFOUND storage\.googleapis\.com/,
      );
      assert.match(failed.stderr, /Runs carry on with WASM/);
      const status = runCli(['backend', 'status', '--dir', dir]);
      assert.equal(status.status, 1);
      assert.match(status.stdout, /installed: nothing\ntfjs-node: does not load: .*not installed in.*\nRuns with backend auto use WASM\.\n$/);
    });

    test('the extension’s installer: npm, progress stages, then the shipped CLI checks a trainer loads it; installed but not loadable says why', async () => {
      const dir = join(work, 'host-installed');
      const stages: string[] = [];
      let output = '';
      const request = { dir, nodePath: process.execPath, cliScript: cli, env: registry.env, onOutput: (text: string) => (output += text), onStage: (stage: string) => stages.push(stage) };
      const spec = `${NATIVE_PACKAGES.cpu}@${NATIVE_VERSION}`;
      const installed = await installAndCheck({ ...request, variant: 'cpu' });
      assert.deepEqual(installed, { ok: true, cancelled: false, message: `Native backend installed: ${spec} in ${dir}. Runs with distill.backend auto or tfjs-node now use it.` });
      assert.equal(stages[0], `npm install ${spec}`);
      assert.ok(
        stages.some((stage) => /^npm install .*: \d+ files fetched$/.test(stage)),
        stages.join('\n'),
      );
      assert.ok(stages.includes(`running the install script of ${spec} (it downloads TensorFlow's native library)`), stages.join('\n'));
      assert.equal(stages.at(-1), 'checking that a trainer loads it');
      assert.match(output, new RegExp(`backend status --dir ${dir}\n[^]*tfjs-node: loads`));

      // A package npm installs but a trainer refuses: one built for another tfjs-core.
      registry.publish(writePackage(join(work, 'packages'), { name: NATIVE_PACKAGES.cpu, version: '4.0.0', main: WORKING_BACKEND_MAIN }), 'older');
      const elsewhere = join(work, 'host-other-version');
      const refused = await installAndCheck({ ...request, dir: elsewhere, variant: 'cpu', version: '4.0.0' });
      assert.equal(refused.ok, false);
      assert.match(
        refused.message,
        new RegExp(
          `^${NATIVE_PACKAGES.cpu}@4\\.0\\.0 was installed into ${elsewhere} but a trainer cannot load it: .*version 4\\.0\\.0 does not match this engine's tfjs-core .*\\. Runs carry on with WASM\\.$`,
        ),
      );
    });

    test('bad arguments name what is wrong, with the usage', () => {
      const unknown = runCli(['backend', 'uninstall']);
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /error: expected "install" or "status" after "backend", got "uninstall"\nusage: distill-lab backend install/);
      assert.throws(() => parseBackendArgs(['status', '--gpu']), /--gpu applies to "backend install" only/);
      assert.throws(() => parseBackendArgs(['install', '--dir', '']), /--dir: expected a folder, got an empty value/);
      assert.throws(() => parseBackendArgs(['install', '--registry', 'x']), /Unknown option '--registry'/);
      assert.deepEqual(parseBackendArgs(['install', '--gpu'], { [NATIVE_BACKENDS_ENV]: '/opt/backends' }), { action: 'install', gpu: true, dir: '/opt/backends' });
    });
  });
});

/** Resolves once no process has this pid (a killed process may take a moment to go); fails after 5 s. */
async function waitUntilGone(pid: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    assert.ok(Date.now() < deadline, `process ${pid} still runs 5 s after the install was cancelled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port nothing listens on: one the OS just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
