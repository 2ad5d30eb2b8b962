import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { build } from 'esbuild';
import * as tf from '@tensorflow/tfjs-core';
import { findWasmDir, initBackend, wasmDirCandidates } from '../../src/core/backend';

const tfjsNodeInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

function collectLog(): { lines: string[]; log: (message: string) => void } {
  const lines: string[] = [];
  return { lines, log: (message) => lines.push(message) };
}

/** The sum of [1, 2, 3] on the current backend, to prove it computes. */
function sumOnCurrentBackend(): number {
  return tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
}

describe('initBackend', () => {
  test('auto without tfjs-node falls back to wasm and says why in one line', { skip: tfjsNodeInstalled && 'tfjs-node is installed here' }, async () => {
    const { lines, log } = collectLog();
    const choice = await initBackend('auto', log);
    assert.equal(choice.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(choice.attempts.length, 2);
    assert.equal(choice.attempts[0].name, 'tfjs-node');
    assert.match(choice.attempts[0].error ?? '', /@tensorflow\/tfjs-node could not be loaded/);
    assert.deepEqual(choice.attempts[1], { name: 'wasm' });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /backend: wasm/);
    assert.match(lines[0], /tfjs-node unavailable/);
    assert.equal(sumOnCurrentBackend(), 6);
  });

  test('explicit cpu works', async () => {
    const { lines, log } = collectLog();
    const choice = await initBackend('cpu', log);
    assert.deepEqual(choice, { backend: 'cpu', label: 'cpu', attempts: [{ name: 'cpu' }] });
    assert.equal(tf.getBackend(), 'cpu');
    assert.match(lines.join('\n'), /backend: cpu/);
    assert.equal(sumOnCurrentBackend(), 6);
  });

  test('explicit tfjs-node throws an error naming the backend and the cause', { skip: tfjsNodeInstalled && 'tfjs-node is installed here' }, async () => {
    await assert.rejects(
      initBackend('tfjs-node', () => {}),
      (error: Error) => {
        assert.match(error.message, /Backend 'tfjs-node' could not be started/);
        assert.match(error.message, /Cannot find module '@tensorflow\/tfjs-node'/);
        return true;
      },
    );
  });

  test('an unknown name is rejected before anything is tried', async () => {
    const { lines, log } = collectLog();
    await assert.rejects(initBackend('webgpu' as never, log), /Unknown backend 'webgpu'/);
    assert.deepEqual(lines, []);
  });

  test('wasm twice in one process: same result, wasm training kernels registered once', async () => {
    const warnings: unknown[][] = [];
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const first = await initBackend('wasm', () => {});
      const second = await initBackend('wasm', () => {});
      assert.equal(first.backend, 'wasm');
      assert.equal(second.backend, 'wasm');
    } finally {
      console.warn = originalWarn;
    }
    assert.deepEqual(
      warnings.filter((args) => /already registered/.test(String(args[0]))),
      [],
    );
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'training kernels registered');
    assert.equal(sumOnCurrentBackend(), 6);
  });
});

describe('findWasmDir', () => {
  test('a bundle in dist/ looks in dist/wasm first', () => {
    const dist = resolve('some', 'project', 'dist');
    assert.equal(wasmDirCandidates(dist)[0], join(dist, 'wasm'));
  });

  test('from the source tree it finds the binaries in the installed package', () => {
    const dir = findWasmDir();
    assert.ok(dir, 'found a folder');
    assert.ok(dir.endsWith(sep), 'trailing separator for setWasmPaths');
    assert.ok(dir.includes(join('@tensorflow', 'tfjs-backend-wasm', 'dist')), dir);
    assert.ok(readdirSync(dir).includes('tfjs-backend-wasm-simd.wasm'));
  });

  test('takes the first candidate holding the binaries and none when no candidate does', () => {
    const root = mkdtempSync(join(tmpdir(), 'wasm-dir-'));
    try {
      const empty = join(root, 'empty');
      const full = join(root, 'full');
      mkdirSync(empty);
      copyWasmBinaries(full);
      assert.equal(findWasmDir([join(root, 'missing'), empty, full]), full + sep);
      assert.equal(findWasmDir([join(root, 'missing'), empty]), undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // What `npm run build` + `node dist/cli.js` relies on: inside an esbuild cjs bundle,
  // __dirname is the bundle's folder, so <bundle dir>/wasm is found without node_modules.
  test('a cjs bundle finds the binaries in wasm/ beside it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wasm-bundle-'));
    try {
      const dist = join(root, 'dist');
      copyWasmBinaries(join(dist, 'wasm'));
      await build({
        stdin: {
          contents: `import { findWasmDir } from ${JSON.stringify(resolve('src/core/backend/wasm-paths.ts'))};\nprocess.stdout.write(String(findWasmDir()));`,
          resolveDir: process.cwd(),
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: join(dist, 'probe.js'),
        logLevel: 'silent',
      });
      const run = spawnSync(process.execPath, [join(dist, 'probe.js')], { cwd: root, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, join(dist, 'wasm') + sep);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

function copyWasmBinaries(target: string): void {
  const source = findWasmDir();
  assert.ok(source, 'wasm binaries installed');
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source).filter((name) => name.endsWith('.wasm'))) {
    copyFileSync(join(source, file), join(target, file));
  }
}
