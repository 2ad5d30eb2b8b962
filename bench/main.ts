// `npm run bench`: training throughput of the engine against PyTorch (a measurement, not a test).
// Tooling, not product: it lives outside the engine and is never bundled into the extension.
import { BENCH_USAGE, parseBenchArgs } from './args';
import { BENCH_CASES, describeOptimizer, describeWorkload } from './cases';
import { runBench } from './run-bench';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  const cases = BENCH_CASES.map((c) => `  ${c.id.padEnd(20)} ${c.label} — ${describeWorkload(c.workload)}, batch ${c.workload.batchSize}, ${describeOptimizer(c.optimizer)}`);
  process.stdout.write(`${BENCH_USAGE}\n\ncases (--cases takes ids, comma-separated; a trailing * matches a prefix, e.g. --cases 'resnet*'):\n${cases.join('\n')}\n`);
  process.exit(0);
}
runBench(parseBenchArgs(args)).then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  },
);
