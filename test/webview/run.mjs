#!/usr/bin/env node
// Runs the dashboard's webview tests in Debian's Chromium (playwright-core), one file after
// another. Expects dist/ built (`npm run test:webview` builds first). Screenshots land in
// test-output/webview/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`webview tests: ${chromium} not found. Install Debian's Chromium (apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
for (const file of ['dist/webview.js', 'dist/webview.css']) {
  if (!existsSync(join(root, file))) {
    console.error(`webview tests: ${file} is missing; run \`npm run build\` first.`);
    process.exit(1);
  }
}

// Chromium and Playwright write their profiles and caches here, not into /tmp or the home folder.
const scratch = join(root, 'test-output', 'webview', 'tmp');
for (const dir of ['tmp', 'config', 'data', 'cache']) mkdirSync(join(scratch, dir), { recursive: true });
const env = {
  ...process.env,
  TMPDIR: join(scratch, 'tmp'),
  XDG_CONFIG_HOME: join(scratch, 'config'),
  XDG_DATA_HOME: join(scratch, 'data'),
  XDG_CACHE_HOME: join(scratch, 'cache'),
};

const only = process.argv.slice(2);
const files = only.length
  ? only
  : readdirSync(join(root, 'test', 'webview'))
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => join('test', 'webview', f));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=180000', ...files], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
