// UI tests (test/e2e/scenario.mjs) in a real VS Code: the extension packaged with vsce and
// installed into code-server 4.100.3 as a user would, driven through playwright-core in Debian's
// Chromium (see ../shared/VSCODE-TESTING.md). The .vsix is first checked (scripts/check-vsix.mjs:
// under 10 MB, only what runs, and its CLI trains from its files alone), and is installed into an
// extensions folder outside this repository, so its trainer cannot fall back on the repository's
// node_modules. Screenshots of every step, the logs and the workspace are under test-output/e2e/. With DISTILL_E2E_README_SHOT=1 the best mid-training
// dashboard screenshot also replaces the README's media/screenshots/dashboard-training.png (a
// test run never changes a committed file otherwise). Exits non-zero on a failure; the last line
// is "N passed, N failed".
//
//   node scripts/test-e2e.mjs                  (npm run test:e2e builds first)
//   DISTILL_E2E_FROM_SOURCE=1 node scripts/test-e2e.mjs   load from source instead of a .vsix
//   DISTILL_E2E_VSIX=path.vsix node scripts/test-e2e.mjs  install that .vsix, skip packaging
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { checkVsix } from './check-vsix.mjs';
import { CHROMIUM, CHROMIUM_ARGS, installVsix, launchCodeServer, prepareSession, ROOT, seconds, withTimeout } from './code-server-session.mjs';
import { ensureCodeServer } from './install-code-server.mjs';
import { CONFIG_FILE, steps } from '../test/e2e/scenario.mjs';

const OUT = join(ROOT, 'test-output', 'e2e');
const README_SHOT = process.env.DISTILL_E2E_README_SHOT === '1' ? join(ROOT, 'media', 'screenshots', 'dashboard-training.png') : undefined;
const HARD_TIMEOUT_MS = Number(process.env.DISTILL_E2E_TIMEOUT_MS ?? 300_000);
const VIEWPORT = { width: 1280, height: 800 };

const log = (message) => process.stdout.write(`[test-e2e] ${message}\n`);

function packageVsix(target) {
  return new Promise((resolve, reject) => {
    const vsce = join(ROOT, 'node_modules', '.bin', 'vsce');
    // The README's screenshot stays a relative link: the .vsix carries media/ itself.
    execFile(vsce, ['package', '--no-rewrite-relative-links', '--out', target], { cwd: ROOT, timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`vsce package failed: ${error.message}\n${stderr}`));
      else resolve(stdout.split('\n').find((line) => line.includes('Packaged')) ?? 'packaged');
    });
  });
}

async function main() {
  const started = Date.now();
  // Whatever hangs (a browser that never launches, a step that ignores its timeout): give up.
  setTimeout(() => {
    log(`hard timeout after ${seconds(Date.now() - started)}`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  }, HARD_TIMEOUT_MS + 60_000).unref();
  ensureCodeServer();
  for (const file of ['extension.js', 'trainer.js', 'webview.js']) {
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run "npm run build" first (npm run test:e2e does)`);
  }
  const { dirs, env } = prepareSession(OUT);
  copyFileSync(join(ROOT, 'test', 'e2e', CONFIG_FILE), join(dirs.workspace, CONFIG_FILE));

  // Install as a user would; DISTILL_E2E_FROM_SOURCE=1 loads the repository instead.
  // Packaging or installing failing is a failure of this test, not a reason to test something else.
  const fromSource = process.env.DISTILL_E2E_FROM_SOURCE === '1';
  if (!fromSource) {
    let vsix = process.env.DISTILL_E2E_VSIX;
    if (!vsix) {
      vsix = join(OUT, 'distill-lab.vsix');
      const t = Date.now();
      log(`${await packageVsix(vsix)} (${seconds(Date.now() - t)})`);
    }
    const checked = await checkVsix(vsix);
    log(`${vsix}: ${checked.sizes}${checked.trained ? `; ${checked.trained}` : ''}`);
    if (checked.problems.length > 0) throw new Error(`the .vsix fails its checks:\n  ${checked.problems.join('\n  ')}`);
    // Node resolves a require by walking up from the requiring file: inside this repository the
    // installed extension would find ./node_modules, whatever the .vsix lacks.
    dirs.extensions = mkdtempSync(join(tmpdir(), 'distill-e2e-extensions-'));
    process.on('exit', () => rmSync(dirs.extensions, { recursive: true, force: true }));
    const t = Date.now();
    await installVsix(vsix, dirs, env);
    log(`installed ${vsix} into ${dirs.extensions} (${seconds(Date.now() - t)})`);
  }

  const server = await launchCodeServer(dirs, env);
  log(`code-server ${server.child.pid} ready on 127.0.0.1:${server.port} after ${seconds(Date.now() - started)}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env });
  const results = [];
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const browserLog = join(OUT, 'browser-console.log');
    page.on('console', (message) => appendFileSync(browserLog, `[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => appendFileSync(browserLog, `[pageerror] ${error.stack ?? error}\n`));
    let url = `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(dirs.workspace)}`;
    if (fromSource) {
      const payload = [
        ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`],
        ['skipWelcome', 'true'],
      ];
      url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    }
    await page.goto(url);
    const deadline = started + HARD_TIMEOUT_MS;
    let broken;
    for (const [index, step] of steps({ page, out: OUT, readmeScreenshot: README_SHOT }).entries()) {
      const label = `${index + 1}. ${step.name}`;
      if (broken) {
        results.push({ name: step.name, state: 'failed', error: `not reached (step ${broken} failed)` });
        log(`✗ ${label} — not reached`);
        continue;
      }
      const t = Date.now();
      try {
        const budget = Math.min(step.timeoutMs, deadline - Date.now());
        const detail = await withTimeout(step.run(), Math.max(budget, 1), step.name);
        results.push({ name: step.name, state: 'passed', ms: Date.now() - t, detail });
        log(`✓ ${label} (${seconds(Date.now() - t)}) — ${detail}`);
      } catch (error) {
        broken = index + 1;
        results.push({ name: step.name, state: 'failed', ms: Date.now() - t, error: error.message });
        log(`✗ ${label} (${seconds(Date.now() - t)})\n    ${error.message.split('\n').join('\n    ')}`);
        await page.screenshot({ path: join(OUT, `failure-step-${index + 1}.png`) }).catch(() => undefined);
      }
    }
  } finally {
    await browser.close().catch(() => undefined);
    server.kill();
  }
  const passed = results.filter((r) => r.state === 'passed').length;
  const failed = results.length - passed;
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify({ passed, failed, fromSource, ms: Date.now() - started, results }, null, 2)}\n`);
  log(`${fromSource ? 'loaded from source' : 'installed from the .vsix'} · total ${seconds(Date.now() - started)} · screenshots in ${OUT}`);
  if (existsSync(README_SHOT) && passed > 0) log(`README screenshot: ${README_SHOT}`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`[test-e2e] ${error.stack ?? error}\n`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
