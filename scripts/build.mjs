// One esbuild call per bundle; type-checking is `tsc --noEmit` (npm run typecheck).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const tensorflowExternal = ['@tensorflow/*'];
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning' };

await Promise.all([
  build({ ...common, entryPoints: ['src/host/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['src/trainer/main.ts'], outfile: 'dist/trainer.js', external: tensorflowExternal }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: tensorflowExternal, banner: { js: '#!/usr/bin/env node' } }),
  // A replica's worker thread in data-parallel training (train.threads > 1), started by the trainer and the CLI from beside them.
  build({ ...common, entryPoints: ['src/core/train/parallel/worker-main.ts'], outfile: 'dist/train-worker.js', external: tensorflowExternal }),
  // CRD's negatives, drawn on a worker thread (no TensorFlow in it).
  build({ ...common, entryPoints: ['src/core/distill/negatives-worker-main.ts'], outfile: 'dist/negatives-worker.js' }),
  // The dashboard's page script (chart.js bundled, tree-shaken); its stylesheet is copied beside it.
  build({ bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', minify: true, sourcemap: true, logLevel: 'warning', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' }),
]);
cpSync('webview/style.css', 'dist/webview.css');

// The WASM binaries travel beside the bundles, so dist/ (and an installed .vsix) finds them
// even where node_modules is laid out differently.
const require = createRequire(import.meta.url);
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
mkdirSync('dist/wasm', { recursive: true });
for (const file of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) {
  cpSync(join(wasmDist, file), join('dist/wasm', file));
}
