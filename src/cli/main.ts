// `distill-lab run|compare|demo|demo-text|study|backend|attention`: the same engine as the extension, from a terminal.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { isOwnerGone, markInterrupted, newRunDir, readRuns, RunFolder, type ListedRun } from '../shared/run-folder';
import { runExperiment } from '../core/run/experiment';
import { METHOD_LIST } from '../shared/methods';
import { ConfigError, parseExperimentConfig, type ExperimentConfigInput } from '../shared/protocol';
import { DEMO_CONFIG, DEMO_TEXT_CONFIG } from './demo-config';
import { nameDemoRun } from './demo-name';
import { progressPrinter } from './progress';
import { configFromArgs } from './run-flags';
import { BACKEND_USAGE, backendCommand, parseBackendArgs } from './backend';
import { comparedRun, comparisonTable, summaryTable } from '../shared/report-table';
import { version } from '../../package.json';
import { compareStudyCommand, studyCommand } from './study';
import { ATTENTION_USAGE, attentionCommand, parseAttentionArgs } from './attention';

const RUN_FLAGS = `[--method NAME] [--teacher cnn:32,64] [--student mlp:64]
                  [--teacher-checkpoint DIR] [--epochs N] [--teacher-epochs N] [--batch-size N] [--lr X]
                  [--recipe quick|reference] [--optimizer adam|sgd] [--temperature T] [--alpha A] [--seed N] [--backend auto|tfjs-node|wasm|cpu]
                  [--limit-train N] [--limit-validation N] [--limit-test N] [--max-steps N] [--threads N|auto] [--no-baseline] [--name NAME] [--runs-dir DIR]
                  [--data fashion-mnist-small|spamassassin] [--text FILE.csv|.tsv|.jsonl [--text-test FILE] [--text-field text] [--label-field label]] [--max-length 128]
                  [--run-dir DIR] [--base-dir DIR]   train into DIR (a Slurm study's tasks do); relative paths resolve against --base-dir
                  [--set path=value …]   any config field, e.g. --set method.beta=100 --set train.weightDecay=5e-4`;

const USAGES = {
  run: `distill-lab run [config.json] ${RUN_FLAGS}
  methods: ${METHOD_LIST.map((m) => m.name).join(', ')}
  Trains one experiment into <runs dir>/<experiment>/run-<time>/ (runs dir: .distill).
  Ctrl-C, SIGTERM or SIGHUP cancel it after the current step (a second one quits at once).`,
  demo: `distill-lab demo [the flags of run]
  The README's demo (Fashion-MNIST subset, CNN teacher, MLP student, Hinton KD); run's flags
  change it, e.g. --epochs 2 --limit-train 2000.`,
  'demo-text': `distill-lab demo-text [the flags of run]
  The text demo (npm run demo:text): on the built-in SpamAssassin mail (ham, hard ham, spam), a
  4-layer transformer teacher, a 2-layer student from scratch and the same student with
  DistilBERT; run's flags change it, e.g. --epochs 1 --limit-train 1000.`,
  compare: `distill-lab compare [RUNS_DIR]
  One table of every run under RUNS_DIR (default .distill); a run whose process died is shown
  (and recorded) as interrupted.
  distill-lab compare --study STUDY_FOLDER [--format table|md|csv] [--sort order|delta|test|method]
  The study's table: per method, test accuracy mean ± sd over seeds and Δ against the paired
  scratch baseline with its 95% interval.`,
  study: `distill-lab study <study.json | STUDY_FOLDER> [the flags of run] [--parallel N]
  Trains a study (methods × seeds × grid values) into <runs dir>/<study name>/, one member run per
  folder, at most N trainer processes at once (default: the cores), then prints its table. The
  flags of run change the study's base config. Given its folder, a study resumes: members without
  a completed run train again. Ctrl-C stops the study (running members are cancelled).
  distill-lab study <study.json | STUDY_FOLDER> --executor slurm [--wait]
  Submits the members (a folder: those without a completed, queued or running run) to Slurm as an
  sbatch array written into STUDY_FOLDER/slurm/<n>/study.sbatch, with the study's "slurm" options;
  --wait polls until every member has ended, then prints the table.
  distill-lab study --status STUDY_FOLDER | --cancel STUDY_FOLDER
  Each member queued, running, completed, failed, cancelled or blocked (from sacct, else squeue and
  scontrol, and the run folders); --cancel runs scancel on the study's jobs.`,
  backend: BACKEND_USAGE,
  attention: ATTENTION_USAGE,
} as const;
type Command = keyof typeof USAGES;

const USAGE = `usage:
  ${Object.values(USAGES).join('\n  ')}
  distill-lab --help | --version`;

const DEFAULT_RUNS_DIR = '.distill';

/** The signals that cancel a run, with the exit code a process ended by them gets. */
const CANCEL_SIGNALS = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
type CancelSignal = keyof typeof CANCEL_SIGNALS;

/** stderr may be gone (a closed terminal, SIGHUP): a failed write must not end the run. */
function say(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // nobody to tell
  }
}

/** The folder --run-dir names: created if missing, refused if it holds a run already (a run's ending is final). */
function givenRunDir(dir: string): string {
  if (new RunFolder(dir).hasRecord()) throw new Error(`--run-dir: ${dir} holds a run already; give a new or empty folder`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function run(config: ExperimentConfigInput, runsDir: string, baseDir: string, runDirFlag?: string): Promise<number> {
  // Checked before a folder is claimed: a bad config (a name like "..") leaves nothing behind.
  const checked = parseExperimentConfig(config);
  const runDir = runDirFlag ? givenRunDir(resolve(runDirFlag)) : newRunDir(resolve(runsDir), checked.name);
  let cancelledBy: CancelSignal | undefined;
  const onSignal = (signal: CancelSignal) => {
    if (cancelledBy) process.exit(CANCEL_SIGNALS[signal]);
    cancelledBy = signal;
    say(`\n${signal === 'SIGINT' ? '' : `${signal}: `}cancelling after this step (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)…\n`);
  };
  const handlers = (Object.keys(CANCEL_SIGNALS) as CancelSignal[]).map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  // After SIGHUP the terminal may be gone: a failed progress write must not end the run unrecorded.
  process.stderr.on('error', () => {});
  const print = progressPrinter();
  let reported = false;
  try {
    const outcome = await runExperiment(checked, {
      runDir,
      baseDir,
      onEvent: (event) => {
        if (event.type === 'failed') reported = true;
        print(event);
      },
      isCancelled: () => cancelledBy !== undefined,
    });
    process.stdout.write(`\n${summaryTable(outcome.summary)}\n\nrun folder: ${runDir}\n`);
    return outcome.status === 'completed' ? 0 : CANCEL_SIGNALS[cancelledBy ?? 'SIGINT'];
  } catch (error) {
    // A failure the run reported (a `failed` event) has been printed; anything else — the run
    // folder cannot be written, say — is said here.
    if (!reported) say(`error: run folder ${runDir}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** A listed run whose owner process is gone is interrupted: recorded so where the folder allows, shown so in any case. */
function settleDeadOwner(run: ListedRun): ListedRun {
  if (run.kind !== 'run' || !isOwnerGone(run.record)) return run;
  const reason = `the process that ran it (pid ${run.record.pid}) ended without recording an ending`;
  try {
    return { ...run, record: markInterrupted(run.folder, reason) };
  } catch {
    return { ...run, record: { ...run.record, status: 'interrupted', error: { message: reason } } };
  }
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = args[0] as Command | undefined;
    process.stdout.write(`${topic && topic in USAGES ? `usage: ${USAGES[topic]}` : USAGE}\n`);
    return 0;
  }
  if (command && command in USAGES && wantsHelp(args)) {
    process.stdout.write(`usage: ${USAGES[command as Command]}\n`);
    return 0;
  }
  switch (command) {
    case 'run': {
      const { config, runsDir, configFile, runDir, baseDir } = configFromArgs(args);
      return run(config, runsDir ?? DEFAULT_RUNS_DIR, baseDir ? resolve(baseDir) : configFile ? resolve(configFile, '..') : process.cwd(), runDir);
    }
    case 'demo':
    case 'demo-text': {
      const demo = command === 'demo' ? DEMO_CONFIG : DEMO_TEXT_CONFIG;
      const { config, runsDir } = configFromArgs(args, demo);
      return run(nameDemoRun(config, demo), runsDir ?? DEFAULT_RUNS_DIR, process.cwd());
    }
    case 'study':
      return studyCommand(args, DEFAULT_RUNS_DIR);
    case 'compare': {
      if (args.some((arg) => arg === '--study' || arg.startsWith('--study='))) return compareStudyCommand(args);
      if (args.length > 1 || args[0]?.startsWith('-')) throw new UsageError('compare', `unexpected argument: ${args.find((a, i) => i > 0 || a.startsWith('-'))}`);
      const runsDir = resolve(args[0] ?? DEFAULT_RUNS_DIR);
      const runs = readRuns(runsDir).map(settleDeadOwner).map(comparedRun);
      if (runs.length === 0) {
        process.stderr.write(`no runs under ${runsDir}\n`);
        return 1;
      }
      process.stdout.write(`${comparisonTable(runs)}\n`);
      return 0;
    }
    case 'backend':
      return backendCommand(parsedFor('backend', () => parseBackendArgs(args)));
    case 'attention':
      return attentionCommand(parsedFor('attention', () => parseAttentionArgs(args)));
    default:
      process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${USAGE}\n`);
      return 2;
  }
}

class UsageError extends Error {
  constructor(
    readonly command: Command,
    message: string,
  ) {
    super(message);
  }
}

/** A command's own parse of its arguments; what it refuses is shown with that command's usage. */
function parsedFor<T>(command: Command, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(command, (error as Error).message);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const hint = error instanceof UsageError ? `\nusage: ${USAGES[error.command]}` : '';
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `error: ${error.message}${hint}\n`);
    process.exit(1);
  },
);
