// One code-server session for a test or bench launcher (see ../shared/VSCODE-TESTING.md): an
// isolated output folder (workspace, user data, extensions, XDG and temp dirs), code-server on a
// free 127.0.0.1 port in its own process group (killed by PID, with its extension hosts and
// trainers), the .vsix installed as a user would, and Debian's Chromium through playwright-core.
// Used by scripts/test-e2e.mjs, scripts/bench-extension.mjs, scripts/test-integration.mjs and
// (for the output folder) scripts/integration/prepare.mjs.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_SERVER_ENTRY } from './install-code-server.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const EXTENSION_ID = 'distill-lab.distill-lab';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A fresh `out` folder with the session's dirs, a workspace with `settings` in .vscode/, and the
 * environment (XDG_*, TMPDIR) for code-server and the browser. `quietWorkbench: false` leaves out
 * the startup-editor setting and the user settings file (the integration launchers' workbench).
 */
export function prepareSession(out, settings = {}, { quietWorkbench = true } = {}) {
  rmSync(out, { recursive: true, force: true });
  const dirs = {
    out,
    workspace: join(out, 'workspace'),
    userData: join(out, 'user-data'),
    extensions: join(out, 'extensions'),
    tmp: join(out, 'tmp'),
    xdgConfig: join(out, 'xdg', 'config'),
    xdgData: join(out, 'xdg', 'data'),
    xdgCache: join(out, 'xdg', 'cache'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  mkdirSync(join(dirs.workspace, '.vscode'), { recursive: true });
  // The trainer runs under the Node that runs the launcher (an Electron extension host cannot be
  // the trainer); the workspace sits inside this repository: keep git from prompting about it.
  const quiet = quietWorkbench ? { 'workbench.startupEditor': 'none' } : {};
  const all = { 'distill.nodePath': process.execPath, 'git.enabled': false, 'git.openRepositoryInParentFolders': 'never', ...quiet, ...settings };
  writeFileSync(join(dirs.workspace, '.vscode', 'settings.json'), `${JSON.stringify(all, null, 2)}\n`);
  if (quietWorkbench) {
    // User settings: no walkthrough or welcome page over the editor area.
    mkdirSync(join(dirs.userData, 'User'), { recursive: true });
    const user = { 'workbench.startupEditor': 'none', 'workbench.welcomePage.walkthroughs.openOnInstall': false, 'workbench.tips.enabled': false };
    writeFileSync(join(dirs.userData, 'User', 'settings.json'), `${JSON.stringify(user, null, 2)}\n`);
  }
  const env = { ...process.env, TMPDIR: dirs.tmp, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_DATA_HOME: dirs.xdgData, XDG_CACHE_HOME: dirs.xdgCache };
  return { dirs, env };
}

/** `node entry.js --install-extension x.vsix` into the session's extensions dir, with a timeout. */
export function installVsix(vsix, dirs, env, timeoutMs = 90_000) {
  return new Promise((resolve, reject) => {
    const args = [CODE_SERVER_ENTRY, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix];
    execFile(process.execPath, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`installing ${vsix} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`.trim());
    });
  });
}

export async function waitHealthy(port, exited, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('code-server exited before it was ready (see code-server.log)');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`code-server did not answer /healthz within ${seconds(timeoutMs)}`);
}

/** code-server in its own process group, so its extension hosts and their trainers go with it. */
export function startCodeServer(port, dirs, env) {
  const serverLog = createWriteStream(join(dirs.out, 'code-server.log'));
  const args = [
    CODE_SERVER_ENTRY,
    ...['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check'],
    ...['--disable-workspace-trust', '--disable-getting-started-override'],
    ...['--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, dirs.workspace],
  ];
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(serverLog);
  child.stderr.pipe(serverLog);
  let exited = false;
  child.on('exit', () => (exited = true));
  const kill = () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { child, port, kill, exited: () => exited };
}

/** Starts code-server, waits for /healthz, and kills it (by its PID's group) when this process exits. */
export async function launchCodeServer(dirs, env) {
  const port = await freePort();
  const server = startCodeServer(port, dirs, env);
  process.on('exit', server.kill);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  await waitHealthy(port, server.exited);
  return server;
}

/** Rejects with `what` after `ms`; the timer does not keep the process alive. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${seconds(ms)}: ${what}`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
