// `npm run bench:extension`: measurements of the extension, not tests. Bundle sizes (raw and
// gzip) of dist/, then one code-server session (see code-server-session.mjs) whose extension
// host runs bench/extension-bench.ts as extensionTestsPath: activation time and the
// event-loop delay (perf_hooks.monitorEventLoopDelay) while idle and while a run trains with the
// dashboard open. Prints a table; writes test-output/bench/extension-bench.json.
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, launchCodeServer, prepareSession, ROOT, seconds, sleep } from './code-server-session.mjs';
import { ensureCodeServer } from './install-code-server.mjs';

const OUT = join(ROOT, 'test-output', 'bench');
const HOST_BUNDLE = join(ROOT, '.vscode-test', 'out', 'bench', 'extension-bench.js');
const TIMEOUT_MS = Number(process.env.DISTILL_BENCH_TIMEOUT_MS ?? 240_000);
const BUNDLES = ['extension.js', 'trainer.js', 'cli.js', 'webview.js'];
const log = (message) => process.stdout.write(`[bench-extension] ${message}\n`);
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function bundleSizes() {
  return Object.fromEntries(
    BUNDLES.map((file) => {
      const path = join(ROOT, 'dist', file);
      if (!existsSync(path)) return [file, null];
      const bytes = readFileSync(path);
      return [file, { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length }];
    }),
  );
}

/** The extension's own "activated in X ms" line from the Distill output channel's log file. */
function loggedActivation(userData) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('Distill.log')) found.push(path);
    }
  };
  if (existsSync(join(userData, 'logs'))) walk(join(userData, 'logs'));
  for (const file of found) {
    const match = /activated in ([\d.]+) ms/.exec(readFileSync(file, 'utf8'));
    if (match) return Number(match[1]);
  }
  return null;
}

async function main() {
  const started = Date.now();
  ensureCodeServer();
  const sizes = bundleSizes();
  await build({
    entryPoints: [join(ROOT, 'bench', 'extension-bench.ts')],
    outfile: HOST_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const { dirs, env } = prepareSession(OUT);
  const config = JSON.parse(readFileSync(join(ROOT, 'test', 'e2e', 'e2e-kd.distill.json'), 'utf8'));
  const resultFile = join(OUT, 'host.json');
  const server = await launchCodeServer(dirs, { ...env, DISTILL_BENCH_OUT: resultFile, DISTILL_BENCH_CONFIG: JSON.stringify({ ...config, name: 'bench-kd' }) });
  log(`code-server ${server.child.pid} on 127.0.0.1:${server.port}; training ${config.name} (batch ${config.train.batchSize}, ${config.backend}) with the dashboard open`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env });
  let outcome;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let exit;
    const exited = new Promise((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationLog', () => undefined);
    await page.exposeFunction('codeAutomationExit', (code) => exit({ code }));
    const remote = (path) => `vscode-remote://127.0.0.1:${server.port}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(HOST_BUNDLE)],
      ['skipWelcome', 'true'],
    ];
    await page.goto(`http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    outcome = await Promise.race([exited, sleep(TIMEOUT_MS).then(() => ({ timeout: true }))]);
    await page.screenshot({ path: join(OUT, 'workbench-at-exit.png') }).catch(() => undefined);
  } finally {
    await browser.close().catch(() => undefined);
    server.kill();
  }
  if (outcome.timeout) throw new Error(`no result within ${seconds(TIMEOUT_MS)}`);
  if (!existsSync(resultFile)) throw new Error(`the extension host wrote no ${resultFile} (exit code ${outcome.code})`);
  const host = JSON.parse(readFileSync(resultFile, 'utf8'));
  const report = {
    date: new Date().toISOString(),
    machine: { node: process.version, codeServer: '4.100.3' },
    activation: { ...host.activation, loggedByExtensionMs: loggedActivation(dirs.userData) },
    bundles: sizes,
    eventLoopDelayMs: host.eventLoopDelayMs,
    run: host.run,
    exitCode: outcome.code,
  };
  writeFileSync(join(OUT, 'extension-bench.json'), `${JSON.stringify(report, null, 2)}\n`);

  const a = report.activation;
  log(
    `activation: activate() body ${a.activateBodyMs} ms (extension's performance.now()), ${a.hostActivateMs} ms as the host sees it (module load + activate)${a.wasActiveBefore ? ' [was already active]' : ''}; logged line: ${a.loggedByExtensionMs} ms`,
  );
  for (const [file, size] of Object.entries(sizes)) log(`bundle dist/${file.padEnd(13)} ${size ? `${kib(size.bytes).padStart(11)}  gzip ${kib(size.gzipBytes).padStart(10)}` : 'missing'}`);
  for (const [phase, d] of Object.entries(report.eventLoopDelayMs))
    log(
      `event-loop delay ${phase.padEnd(8)} p50 ${d.p50} ms · p99 ${d.p99} ms · max ${d.max} ms · mean ${d.mean} ms (${d.samples} samples over ${seconds(d.windowMs)}, ${d.resolutionMs} ms timer) → beyond the timer: p50 ${d.excess.p50} · p99 ${d.excess.p99} · max ${d.excess.max} ms`,
    );
  log(`run ${host.run.status} in ${seconds(host.run.trainMs)} · report ${join(OUT, 'extension-bench.json')} · total ${seconds(Date.now() - started)}`);
  return host.run.status === 'completed' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`[bench-extension] ${error.stack ?? error}\n`);
    process.exit(1);
  },
);
