// Loads the real dashboard page (src/dashboard/html.ts, dist/webview.js, dist/webview.css, the
// same Content-Security-Policy) in Debian's Chromium, served from 127.0.0.1, with a fake
// acquireVsCodeApi that records what the webview posts. No VS Code, no jsdom.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dashboardHtml } from '../../src/host/dashboard/html';
import type { HostToWebview, WebviewToHost } from '../../src/shared/protocol';
import { ROOT } from '../support/build';
import { THEMES, type ThemeName } from './themes';

export const OUTPUT = join(ROOT, 'test-output', 'webview');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The flags of shared/VSCODE-TESTING.md.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Harness {
  browser: Browser;
  origin: string;
  close(): Promise<void>;
}

export interface DashboardPage {
  page: Page;
  /** Messages the webview posted to the "host", oldest first. */
  posted(): Promise<WebviewToHost[]>;
  /** Delivers a host message the way VS Code does (a `message` event on the window). */
  send(...messages: HostToWebview[]): Promise<void>;
  /** CSP violations, page errors and console errors seen so far. */
  problems(): Promise<string[]>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions {
  theme?: ThemeName;
  /** What getState() returns, as after a reload. */
  state?: unknown;
  /** Install Playwright's fake clock before the page loads (timers then move only with clock.runFor). */
  fakeClock?: boolean;
  width?: number;
  height?: number;
}

export async function startHarness(): Promise<Harness> {
  for (const file of ['webview.js', 'webview.css']) {
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  mkdirSync(OUTPUT, { recursive: true });
  const server = await serve();
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    browser,
    origin,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One Chromium for the tests of a suite: started before them, closed after. */
export function sharedHarness(): () => Harness {
  let harness: Harness | undefined;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the harness starts in before()');
    return harness;
  };
}

function serve(): Promise<Server> {
  const files: Record<string, [string, string]> = {
    '/dist/webview.js': [join(ROOT, 'dist', 'webview.js'), 'text/javascript'],
    '/dist/webview.css': [join(ROOT, 'dist', 'webview.css'), 'text/css'],
  };
  const server = createServer((request, response) => {
    const origin = `http://${request.headers.host}`;
    const path = new URL(request.url ?? '/', origin).pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(dashboardHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css` }));
      return;
    }
    const file = files[path];
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[1] });
    response.end(readFileSync(file[0]));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Runs in the page before its scripts: VS Code's theme variables, the fake API, a CSP listener.
 * A string, not a function: tsx's transform would add helpers (__name) the page does not have.
 */
function pagePrelude(args: { variables: Record<string, string>; kind: string; state: unknown }): string {
  return `(() => {
  const args = ${JSON.stringify(args)};
  // Functions passed to page.evaluate from tsx-compiled tests may call esbuild's __name helper.
  globalThis.__name = globalThis.__name || ((f) => f);
  // As VS Code does: the variables on <html>, set as soon as the parser creates it.
  const paint = () => {
    for (const [name, value] of Object.entries(args.variables)) document.documentElement.style.setProperty(name, value);
  };
  if (document.documentElement) paint();
  else {
    const observer = new MutationObserver(() => {
      if (!document.documentElement) return;
      observer.disconnect();
      paint();
    });
    observer.observe(document, { childList: true });
  }
  document.addEventListener('DOMContentLoaded', () => document.body.classList.add(args.kind));
  const posted = [];
  const problems = [];
  let saved = args.state;
  window.__posted = posted;
  window.__problems = problems;
  document.addEventListener('securitypolicyviolation', (e) => problems.push('CSP ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (message) => posted.push(JSON.parse(JSON.stringify(message))),
      getState: () => saved,
      setState: (next) => { saved = next; window.__state = next; },
    };
  };
})();`;
}

export async function openDashboard(harness: Harness, options: OpenOptions = {}): Promise<DashboardPage> {
  const theme = THEMES[options.theme ?? 'dark'];
  const context = await harness.browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  if (options.fakeClock) await page.clock.install({ time: 0 });
  await page.addInitScript(pagePrelude({ variables: theme.variables, kind: theme.kind, state: options.state ?? null }));
  await page.goto(`${harness.origin}/`);
  try {
    await page.waitForFunction(() => ((window as unknown as { __posted: unknown[] }).__posted ?? []).length > 0, undefined, { timeout: 10_000 });
  } catch (error) {
    throw new Error(`the webview never posted: ${errors.join('; ') || (error as Error).message}`);
  }
  // From here on, page time moves only with page.clock.runFor().
  if (options.fakeClock) await page.clock.pauseAt(60_000);
  return {
    page,
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted),
    async send(...messages) {
      // dispatchEvent delivers synchronously, so a test controls exactly when each message lands.
      await page.evaluate((list) => {
        for (const data of list) window.dispatchEvent(new MessageEvent('message', { data }));
      }, messages);
    },
    async problems() {
      const inPage = await page.evaluate(() => (window as unknown as { __problems: string[] }).__problems);
      return [...inPage, ...errors];
    },
    close: () => context.close(),
    async screenshot(name) {
      const path = join(OUTPUT, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
  };
}
