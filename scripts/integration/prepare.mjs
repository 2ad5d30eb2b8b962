// What both integration launchers share: a fresh output folder for the test run, a workspace
// seeded with the runs-folder fixture (as if left by an earlier session), isolated XDG and temp
// folders, and the environment the extension host needs to report back.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUITE_INDEX = join(ROOT, '.vscode-test', 'out', 'integration', 'index.js');

/** `test-output/integration/<launcher>/`, emptied first. */
export function prepareTestRun(launcher) {
  const out = join(ROOT, 'test-output', 'integration', launcher);
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
  cpSync(join(ROOT, 'test', 'fixtures', 'runs'), join(dirs.workspace, '.distill'), { recursive: true });
  // The trainer runs under the Node that runs this launcher (in desktop VS Code the extension
  // host is Electron, which cannot be the trainer).
  mkdirSync(join(dirs.workspace, '.vscode'), { recursive: true });
  // The workspace sits inside this repository: keep git from prompting about it.
  const settings = { 'distill.nodePath': process.execPath, 'git.enabled': false, 'git.openRepositoryInParentFolders': 'never' };
  writeFileSync(join(dirs.workspace, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  const files = { results: join(out, 'results.json'), log: join(out, 'test.log'), screenshots: join(out, 'screenshots') };
  writeFileSync(files.log, '');
  const env = {
    ...process.env,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    DISTILL_TEST_RESULTS: files.results,
    DISTILL_TEST_LOG: files.log,
  };
  // Only a launcher that serves screenshot requests says where (the code-server one does).
  delete env.DISTILL_TEST_SCREENSHOTS;
  return { dirs, files, env };
}

export function checkBuilt() {
  for (const file of [join(ROOT, 'dist', 'extension.js'), join(ROOT, 'dist', 'trainer.js'), SUITE_INDEX]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" and "node scripts/build-tests.mjs" first (npm run test:integration does both)`);
  }
}

/** Prints the log as it grows; returns a function that prints the rest and stops. */
export function followLog(file) {
  let printed = 0;
  const flush = () => {
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    if (text.length > printed) process.stdout.write(text.slice(printed));
    printed = text.length;
  };
  const timer = setInterval(flush, 500);
  return () => {
    clearInterval(timer);
    flush();
  };
}

/** The outcome the suite wrote, or a failure saying it wrote none. */
export function readResults(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, pending: 0, results: [], missing: true };
  return JSON.parse(readFileSync(file, 'utf8'));
}
