// The same integration suites in desktop VS Code through @vscode/test-electron, for machines that
// have one: VSCODE_EXECUTABLE_PATH=/path/to/code, or none and internet access (it downloads
// VS Code stable into .vscode-test/). Not run on the project's own machines, which have
// neither; there scripts/test-integration.mjs runs them in code-server. On a Linux box without
// a display: `xvfb-run -a node scripts/test-electron.mjs`.
//
//   npm run build && node scripts/build-tests.mjs && node scripts/test-electron.mjs
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { checkBuilt, followLog, prepareTestRun, readResults, ROOT, SUITE_INDEX } from './integration/prepare.mjs';

const HARD_TIMEOUT_MS = Number(process.env.DISTILL_TEST_TIMEOUT_MS ?? 300_000);
const log = (message) => process.stdout.write(`[test-electron] ${message}\n`);

async function main() {
  const started = Date.now();
  checkBuilt();
  const { dirs, files, env } = prepareTestRun('electron');
  // VS Code inherits this process's environment: isolated temp and XDG folders, and where to report.
  Object.assign(process.env, env);
  const stopFollowing = followLog(files.log);
  let timer;
  try {
    const run = runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
      version: process.env.VSCODE_VERSION || undefined,
      cachePath: join(ROOT, '.vscode-test', 'electron'),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: SUITE_INDEX,
      extensionTestsEnv: { DISTILL_TEST_RESULTS: files.results, DISTILL_TEST_LOG: files.log, DISTILL_TEST_GREP: process.env.DISTILL_TEST_GREP },
      launchArgs: [
        dirs.workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${dirs.userData}`,
        `--extensions-dir=${dirs.extensions}`,
      ],
    });
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`hard timeout after ${HARD_TIMEOUT_MS / 1000} s`)), HARD_TIMEOUT_MS)));
    await Promise.race([run, timeout]).catch((error) => log(error.message));
  } finally {
    clearTimeout(timer);
    stopFollowing();
  }
  const results = readResults(files.results);
  log(`${results.passed} passed, ${results.failed} failed · ${((Date.now() - started) / 1000).toFixed(1)} s · output: ${dirs.out}`);
  return results.failed === 0 && results.passed > 0 && !results.missing ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`[test-electron] ${error.stack ?? error}\n`);
    process.exit(1);
  },
);
