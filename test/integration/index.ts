// The suite's entry, loaded by VS Code's extension host (extensionTestsPath). Both launchers
// use it: scripts/test-integration.mjs (code-server) and scripts/test-electron.mjs (desktop).
// Progress goes to $DISTILL_TEST_LOG and the outcome to $DISTILL_TEST_RESULTS as JSON: the
// workbench's console is not a reliable channel (its lines arrive with unfilled placeholders).
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Mocha from 'mocha';

interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

function write(text: string): void {
  const log = process.env.DISTILL_TEST_LOG;
  if (log) appendFileSync(log, text);
  else process.stdout.write(text);
}

/** A reporter that writes plain lines to the log file and the results to a JSON file. */
function fileReporter(MochaClass: typeof Mocha) {
  const { EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = MochaClass.Runner.constants;
  return class FileReporter {
    constructor(runner: Mocha.Runner) {
      const results: TestResult[] = [];
      const started = Date.now();
      runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => suite.title && write(`\n  ${suite.fullTitle()}\n`));
      runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
        results.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
        write(`    ✓ ${test.title} (${test.duration} ms)\n`);
      });
      runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, error: Error) => {
        results.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration, error: error.stack ?? String(error) });
        write(`    ✗ ${test.title}\n${(error.stack ?? String(error)).replace(/^/gm, '        ')}\n`);
      });
      runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
        results.push({ title: test.fullTitle(), state: 'pending' });
        write(`    - ${test.title} (skipped)\n`);
      });
      runner.once(EVENT_RUN_END, () => {
        const count = (state: TestResult['state']) => results.filter((r) => r.state === state).length;
        const summary = { passed: count('passed'), failed: count('failed'), pending: count('pending'), durationMs: Date.now() - started, results };
        write(`\n  ${summary.passed} passing, ${summary.failed} failing, ${summary.pending} pending (${(summary.durationMs / 1000).toFixed(1)} s)\n`);
        if (process.env.DISTILL_TEST_RESULTS) writeFileSync(process.env.DISTILL_TEST_RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
      });
    }
  };
}

export async function run(): Promise<void> {
  // Loaded from node_modules at run time (mocha does not bundle).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const MochaClass = require('mocha') as typeof Mocha;
  const mocha = new MochaClass({ ui: 'bdd', timeout: 60_000, color: false, reporter: fileReporter(MochaClass) as unknown as string });
  const grep = process.env.DISTILL_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(join(__dirname, file));
  await new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
    } catch (error) {
      reject(error);
    }
  });
}
