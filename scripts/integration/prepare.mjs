// What both integration launchers share: a fresh output folder for the test run (the session's
// folders from ../code-server-session.mjs: workspace, user data, extensions, isolated XDG and temp
// folders), a workspace seeded with the runs-folder fixture (as if left by an earlier session),
// and the environment the extension host needs to report back.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareSession, ROOT } from '../code-server-session.mjs';

export { ROOT };
export const SUITE_INDEX = join(ROOT, '.vscode-test', 'out', 'integration', 'index.js');

/** `test-output/integration/<launcher>/`, emptied first. */
export function prepareTestRun(launcher) {
  const out = join(ROOT, 'test-output', 'integration', launcher);
  const { dirs, env: sessionEnv } = prepareSession(out, {}, { quietWorkbench: false });
  cpSync(join(ROOT, 'test', 'fixtures', 'runs'), join(dirs.workspace, '.distill'), { recursive: true });
  const files = { results: join(out, 'results.json'), log: join(out, 'test.log'), screenshots: join(out, 'screenshots') };
  writeFileSync(files.log, '');
  const env = { ...sessionEnv, DISTILL_TEST_RESULTS: files.results, DISTILL_TEST_LOG: files.log };
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
