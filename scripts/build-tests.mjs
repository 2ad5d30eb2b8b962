// Bundles the integration suites for VS Code's extension host: one file per suite plus the
// entry (index.js) that hands them to Mocha. `vscode` comes from the host, `mocha` from
// node_modules at run time. Output: .vscode-test/out/integration/ (ignored by git).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const INTEGRATION_OUT = join(ROOT, '.vscode-test', 'out', 'integration');
const SOURCE = join(ROOT, 'test', 'integration');

rmSync(INTEGRATION_OUT, { recursive: true, force: true });
const entryPoints = readdirSync(SOURCE)
  .filter((file) => file === 'index.ts' || file.endsWith('.test.ts'))
  .map((file) => join(SOURCE, file));
await build({
  entryPoints,
  outdir: INTEGRATION_OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
