// `distill-lab run|compare|demo`: the same engine as the extension, from a terminal.
import { resolve } from 'node:path';
import { newRunDir, readRuns } from '../shared/run-folder';
import { runExperiment } from '../core/run/experiment';
import { METHOD_LIST } from '../shared/methods';
import { ConfigError, type ExperimentConfigInput } from '../shared/protocol';
import { DEMO_CONFIG } from './demo-config';
import { progressPrinter } from './progress';
import { configFromArgs } from './run-flags';
import { comparedRun, comparisonTable, summaryTable } from '../shared/report-table';

const USAGE = `usage:
  distill-lab run [config.json] [--method NAME] [--teacher cnn:32,64] [--student mlp:64]
                  [--teacher-checkpoint DIR] [--epochs N] [--teacher-epochs N] [--batch-size N] [--lr X]
                  [--recipe quick|reference] [--optimizer adam|sgd] [--temperature T] [--alpha A] [--seed N] [--backend auto|tfjs-node|wasm|cpu]
                  [--limit-train N] [--limit-validation N] [--limit-test N] [--max-steps N] [--no-baseline] [--name NAME] [--runs-dir DIR]
                  [--set path=value …]   any config field, e.g. --set method.beta=100 --set train.weightDecay=5e-4
  methods: ${METHOD_LIST.map((m) => m.name).join(', ')}
  distill-lab demo [--runs-dir DIR]
  distill-lab compare [RUNS_DIR]`;

const DEFAULT_RUNS_DIR = '.distill';

async function run(config: ExperimentConfigInput, runsDir: string, baseDir: string): Promise<number> {
  const runDir = newRunDir(resolve(runsDir), config.name ?? 'experiment');
  let cancelled = false;
  const onSigint = () => {
    if (cancelled) process.exit(130);
    cancelled = true;
    process.stderr.write('\ncancelling after this step (Ctrl-C again to quit at once)…\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await runExperiment(config, { runDir, baseDir, onEvent: progressPrinter(), isCancelled: () => cancelled });
    process.stdout.write(`\n${summaryTable(outcome.summary)}\n\nrun folder: ${runDir}\n`);
    return outcome.status === 'completed' ? 0 : 130;
  } catch {
    // The run has already reported its failure (a `failed` event, printed) and recorded it.
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'run': {
      const { config, runsDir, configFile } = configFromArgs(args);
      return run(config, runsDir ?? DEFAULT_RUNS_DIR, configFile ? resolve(configFile, '..') : process.cwd());
    }
    case 'demo': {
      const { runsDir } = configFromArgs(args);
      return run(DEMO_CONFIG, runsDir ?? DEFAULT_RUNS_DIR, process.cwd());
    }
    case 'compare': {
      const runsDir = resolve(args[0] ?? DEFAULT_RUNS_DIR);
      const runs = readRuns(runsDir).map(comparedRun);
      if (runs.length === 0) {
        process.stderr.write(`no runs under ${runsDir}\n`);
        return 1;
      }
      process.stdout.write(`${comparisonTable(runs)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `error: ${error.message}\n`);
    process.exit(1);
  },
);
