// Runs the integration suites (test/integration/) inside a real VS Code: code-server 4.100.3,
// its workbench opened in Debian's Chromium through playwright-core with the extension under
// development and the suite as the URL payload (see ../shared/VSCODE-TESTING.md). The suite
// reports through codeAutomationExit and a results file; a hard timeout catches a silent hang.
// Everything the run writes is under test-output/integration/code-server/.
//
//   node scripts/test-integration.mjs        (npm run test:integration builds first)
//   DISTILL_TEST_GREP=Stop node scripts/test-integration.mjs
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, launchCodeServer, seconds, sleep } from './code-server-session.mjs';
import { ensureCodeServer } from './install-code-server.mjs';
import { checkBuilt, followLog, prepareTestRun, readResults, ROOT, SUITE_INDEX } from './integration/prepare.mjs';

// A hang-catcher, not a timing: the whole suite (about 5 minutes on 2 quiet cores) with room for a loaded machine.
const HARD_TIMEOUT_MS = Number(process.env.DISTILL_TEST_TIMEOUT_MS ?? 900_000);

const log = (message) => process.stdout.write(`[test-integration] ${message}\n`);

/**
 * Screenshots on the suite's request: it writes `<dir>/<name>.request` (test/integration/support.ts
 * `screenshot()`) and waits for `<dir>/<name>.png`. Returns a function that stops serving.
 */
function serveScreenshots(page, dir) {
  mkdirSync(dir, { recursive: true });
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const request of readdirSync(dir).filter((file) => file.endsWith('.request'))) {
        const name = request.slice(0, -'.request'.length);
        await page.screenshot({ path: join(dir, `${name}.png.tmp`), type: 'png' }).catch((error) => log(`screenshot ${name}: ${error.message}`));
        rmSync(join(dir, request), { force: true });
        if (existsSync(join(dir, `${name}.png.tmp`))) renameSync(join(dir, `${name}.png.tmp`), join(dir, `${name}.png`));
      }
    } finally {
      busy = false;
    }
  }, 100);
  return () => clearInterval(timer);
}

async function main() {
  const started = Date.now();
  ensureCodeServer();
  checkBuilt();
  const { dirs, files, env } = prepareTestRun('code-server');
  // Free port, own process group killed on exit (and on SIGINT/SIGTERM), /healthz wait.
  const server = await launchCodeServer(dirs, { ...env, DISTILL_TEST_SCREENSHOTS: files.screenshots });
  const { port } = server;
  log(`code-server ${server.child.pid} ready on 127.0.0.1:${port} after ${seconds(Date.now() - started)}`);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env });
  const browserLog = join(dirs.out, 'browser-console.log');
  let exit;
  const exited = new Promise((resolve) => (exit = resolve));
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => appendFileSync(browserLog, `[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => appendFileSync(browserLog, `[pageerror] ${error.stack ?? error}\n`));
    await page.exposeFunction('codeAutomationLog', (type, args) => appendFileSync(browserLog, `[automation ${type}] ${JSON.stringify(args)}\n`));
    await page.exposeFunction('codeAutomationExit', (code) => exit({ code }));

    const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(SUITE_INDEX)],
      ['skipWelcome', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const stopFollowing = followLog(files.log);
    const stopScreenshots = serveScreenshots(page, files.screenshots);
    const suiteStarted = Date.now();
    await page.goto(url);
    const outcome = await Promise.race([exited, sleep(HARD_TIMEOUT_MS).then(() => ({ timeout: true })), new Promise((resolve) => server.child.once('exit', () => resolve({ serverExited: true })))]);
    stopFollowing();
    stopScreenshots();
    await page.screenshot({ path: join(dirs.out, 'workbench-at-exit.png') }).catch(() => undefined);
    const results = readResults(files.results);
    const suiteTime = Date.now() - suiteStarted;

    let ok = outcome.code === 0 && results.failed === 0 && !results.missing;
    if (outcome.timeout) log(`hard timeout: no codeAutomationExit within ${seconds(HARD_TIMEOUT_MS)} (see ${browserLog})`);
    if (outcome.serverExited) log('code-server exited during the suite (see code-server.log)');
    if (results.missing) log(`the suite wrote no results (${files.results}); see ${browserLog}`);
    if (outcome.code !== undefined && outcome.code !== 0) log(`the workbench reported exit code ${outcome.code}`);
    if (results.passed === 0 && !results.missing) ok = false;
    log(`${results.passed} passed, ${results.failed} failed, ${results.pending ?? 0} pending · suite ${seconds(suiteTime)} from opening the workbench · total ${seconds(Date.now() - started)}`);
    log(`output: ${dirs.out}`);
    return ok ? 0 : 1;
  } finally {
    await browser.close().catch(() => undefined);
    server.kill();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`[test-integration] ${error.stack ?? error}\n`);
    process.exit(1);
  },
);
