// The rules scripts/check-vsix.mjs holds a packaged .vsix to (npm run package and the e2e test run
// it on the real one): what must ship, what must not, and the size limit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error a plain .mjs script without type declarations
import { MAX_PACKED_BYTES, vsixProblems } from '../../scripts/check-vsix.mjs';

const problemsOf = vsixProblems as (entries: { name: string }[], packedBytes: number) => string[];

/** Each @tensorflow dependency's package.json and node build, as the allow-list ships them. */
const tensorflowFiles = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies)
  .filter((name) => name.startsWith('@tensorflow/'))
  .flatMap((name) => {
    const { main } = JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8'));
    return [`node_modules/${name}/package.json`, `node_modules/${name}/${main}`];
  });

const SHIPPED = [
  'package.json',
  'readme.md',
  'dist/extension.js',
  'dist/trainer.js',
  'dist/cli.js',
  'dist/train-worker.js',
  'dist/negatives-worker.js',
  'dist/webview.js',
  'dist/webview.css',
  'dist/wasm/tfjs-backend-wasm.wasm',
  'dist/wasm/tfjs-backend-wasm-simd.wasm',
  'dist/wasm/tfjs-backend-wasm-threaded-simd.wasm',
  'data/fashion-mnist-small/train-images-idx3-ubyte.gz',
  'media/distill.svg',
  ...tensorflowFiles,
  'node_modules/seedrandom/package.json',
  'node_modules/seedrandom/index.js',
  'node_modules/seedrandom/lib/alea.js',
];
const entries = (files: string[]) => [{ name: 'extension.vsixmanifest' }, ...files.map((file) => ({ name: `extension/${file}` }))];
const SMALL = 7_000_000;

describe('the .vsix checks', () => {
  test('the bundles, the wasm binaries and the node builds the bundles require pass', () => {
    assert.ok(
      tensorflowFiles.some((file) => file.endsWith('tf-core.node.js')),
      tensorflowFiles.join(', '),
    );
    assert.deepEqual(problemsOf(entries(SHIPPED), SMALL), []);
  });

  test('10 MB or more fails', () => {
    assert.equal(MAX_PACKED_BYTES, 10_000_000);
    assert.match(problemsOf(entries(SHIPPED), MAX_PACKED_BYTES).join('\n'), /packed size 10\.00 MB is not under 10\.00 MB/);
  });

  test('a missing bundle or node build fails', () => {
    const problems = problemsOf(entries(SHIPPED.filter((file) => file !== 'dist/trainer.js' && !file.endsWith('tf-layers.node.js'))), SMALL);
    assert.ok(problems.includes('missing dist/trainer.js'), problems.join('\n'));
    assert.ok(
      problems.some((p) => /^missing node_modules\/@tensorflow\/tfjs-layers\/dist\/tf-layers\.node\.js$/.test(p)),
      problems.join('\n'),
    );
  });

  test('TensorFlow.js browser, ESM and minified builds, sources and typings fail, and so does any source map', () => {
    const extra = [
      'node_modules/@tensorflow/tfjs-core/dist/tf-core.js',
      'node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js',
      'node_modules/@tensorflow/tfjs-core/dist/tf-core.fesm.js',
      'node_modules/@tensorflow/tfjs-core/dist/index.js',
      'node_modules/@tensorflow/tfjs-core/dist/ops/ops.d.ts',
      'node_modules/@tensorflow/tfjs-layers/src/index.ts',
      'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js',
      'node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js.map',
      'node_modules/seedrandom/seedrandom.min.js',
      'dist/trainer.js.map',
    ];
    const problems = problemsOf(entries([...SHIPPED, ...extra]), SMALL);
    for (const file of extra)
      assert.ok(
        problems.some((p) => p.startsWith(`${file}:`)),
        `${file} not flagged:\n${problems.join('\n')}`,
      );
    assert.equal(problems.length, extra.length, problems.join('\n'));
  });
});
