// `distill-lab study` and `distill-lab compare --study`: a study from its file (run's flags change
// its base config) or resumed from its folder, trained by the local pool, then its table; or, with
// `--executor slurm`, submitted to a Slurm cluster (./study-slurm.ts), with `--status` and
// `--cancel` for a submitted study.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseStudy, STUDY_FILE, type StudyConfig, type TrainerEvent } from '../shared/protocol';
import { expandStudy, type StudyMember } from '../shared/study/expand';
import { claimStudyDir, lockStudy, memberResults, readStudy, readStudyFile, writeStudy } from '../shared/study/folder';
import { formatStudyTable, sortStudyRows, STUDY_SORT_KEYS, studyRows, STUDY_TABLE_FORMATS, type MemberResult, type StudySortKey, type StudyTableFormat } from '../shared/study/table';
import { LocalExecutor } from '../study/local-executor';
import { JOBS_FILE } from '../study/slurm/jobs-file';
import { configFromArgs, RUN_OPTIONS } from './run-flags';
import { SLURM_STUDY_OPTIONS, slurmStudyCommand, type SlurmStudyArgs } from './study-slurm';

export const STUDY_OPTIONS = { ...RUN_OPTIONS, parallel: { type: 'string' }, ...SLURM_STUDY_OPTIONS } as const;

/** Where the trainer bundle is: beside dist/cli.js, or dist/ when the CLI runs from its sources. */
function trainerScript(): string {
  const candidates = [join(__dirname, 'trainer.js'), join(__dirname, '..', '..', 'dist', 'trainer.js')];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`the trainer bundle is not built (looked for ${candidates.join(', ')}): npm run build`);
  return found;
}

interface StudyArgs {
  target?: string;
  parallel: number;
  slurm: SlurmStudyArgs;
  /** The run flags, for the study's base config. */
  runArgs: string[];
  runsDir?: string;
}

function parseStudyArgs(args: string[]): StudyArgs {
  const { values, positionals, tokens } = parseArgs({ args, options: STUDY_OPTIONS, allowPositionals: true, strict: true, tokens: true });
  if (positionals.length > 1) throw new Error(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  let parallel = availableParallelism();
  if (values.parallel !== undefined) {
    parallel = Number(values.parallel);
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new Error(`--parallel: expected a whole number from 1 to 64, got "${values.parallel}"`);
  }
  if (values.method !== undefined) throw new Error(`--method: a study's methods are its "methods" list in ${STUDY_FILE}`);
  for (const flag of ['run-dir', 'base-dir'] as const) {
    if (values[flag] !== undefined) throw new Error(`--${flag}: a study's members train into their folders of the study; give --runs-dir for where the study goes`);
  }
  const executor = values.executor ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new Error(`--executor: expected "local" or "slurm", got "${executor}"`);
  if (values.wait && executor !== 'slurm') throw new Error('--wait: only with --executor slurm (the local pool always waits)');
  if (values.status && values.cancel) throw new Error('--status and --cancel: give one of them');
  // Everything but the study's file, --parallel, --runs-dir and the executor's flags goes to run's flags, for the base config.
  const own = new Set(['parallel', 'runs-dir', ...Object.keys(SLURM_STUDY_OPTIONS)]);
  const dropped = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'positional') dropped.add(token.index);
    if (token.kind === 'option' && own.has(token.name)) {
      dropped.add(token.index);
      if (!token.inlineValue && STUDY_OPTIONS[token.name as keyof typeof STUDY_OPTIONS].type === 'string') dropped.add(token.index + 1);
    }
  }
  return {
    target: positionals[0],
    parallel,
    slurm: { executor, wait: values.wait ?? false, status: values.status ?? false, cancel: values.cancel ?? false },
    runArgs: args.filter((_, i) => !dropped.has(i)),
    runsDir: values['runs-dir'],
  };
}

/** A study file with run's flags laid over its base, checked; `baseDir` is the file's folder. */
function studyFromFile(file: string, runArgs: string[]): StudyConfig {
  const input = readStudyFile(file);
  const base = input.base !== null && typeof input.base === 'object' && !Array.isArray(input.base) ? (input.base as Record<string, unknown>) : input.base === undefined ? {} : undefined;
  // A base that is not an object is the schema's to report.
  const withFlags = base === undefined ? input : { ...input, base: configFromArgs(runArgs, base as never).config };
  return parseStudy(withFlags);
}

const isStudyFolder = (path: string) => existsSync(path) && statSync(path).isDirectory();

function memberLabel(member: StudyMember): string {
  return member.id;
}

/** Progress on stderr: each member's start and end, and one line per epoch. */
function progress(total: number) {
  let ended = 0;
  const say = (text: string) => {
    try {
      process.stderr.write(`${text}\n`);
    } catch {
      // nobody to tell
    }
  };
  return {
    say,
    onStart: (member: StudyMember, runDir: string) => say(`▶ ${memberLabel(member)} (${member.role}, seed ${member.seed}) → ${runDir}`),
    onEvent: (member: StudyMember, event: TrainerEvent) => {
      if (event.type === 'epoch') {
        const val = event.valAccuracy[event.phase];
        say(`  ${memberLabel(member)} · ${event.phase} epoch ${event.epoch}/${event.epochs} · val ${Number.isFinite(val) ? (val * 100).toFixed(2) : '—'}% (${event.seconds.toFixed(1)} s)`);
      } else if (event.type === 'failed') {
        say(`  ${memberLabel(member)} failed: ${event.message}`);
      }
    },
    onEnd: (member: StudyMember, result: MemberResult) => {
      ended++;
      const seconds = result.summary?.wallTimeSec;
      say(`■ ${memberLabel(member)} ${result.status}${seconds !== undefined && Number.isFinite(seconds) ? ` in ${seconds.toFixed(1)} s` : ''} (${ended} ended this time, of ${total} members)`);
    },
    onSkip: (member: StudyMember, why: string) => say(`· ${memberLabel(member)}: ${why}`),
  };
}

/**
 * `distill-lab study <study.json | study folder> [run's flags] [--parallel N]`. A file starts a
 * new study in a folder of its own; a folder resumes that study (its missing, failed, cancelled
 * and interrupted members run again; completed ones are kept).
 */
export async function studyCommand(args: string[], defaultRunsDir: string): Promise<number> {
  const parsed = parseStudyArgs(args);
  if (!parsed.target) throw new Error(`expected a study file (${STUDY_FILE}) or a study folder`);
  const target = resolve(parsed.target);
  if ((parsed.slurm.status || parsed.slurm.cancel) && !isStudyFolder(target)) throw new Error(`--${parsed.slurm.status ? 'status' : 'cancel'}: expected a study folder, got ${target}`);
  let studyDir: string;
  let study: StudyConfig;
  if (isStudyFolder(target)) {
    if (parsed.runArgs.length) throw new Error(`a study folder resumes as it was saved; only --parallel may be given (got ${parsed.runArgs.join(' ')})`);
    studyDir = target;
    study = readStudy(studyDir);
  } else {
    if (!existsSync(target)) throw new Error(`no study file or folder ${target}`);
    study = studyFromFile(target, parsed.runArgs);
    // Every member is checked before a folder is claimed: a bad grid value leaves nothing behind.
    expandStudy(study, study.name);
    studyDir = claimStudyDir(resolve(parsed.runsDir ?? defaultRunsDir), study.name);
    writeStudy(studyDir, study);
  }
  const expanded = expandStudy(study, basename(studyDir));
  if (parsed.slurm.executor === 'slurm' || parsed.slurm.status || parsed.slurm.cancel) return slurmStudyCommand(parsed.slurm, studyDir, study, expanded);
  refuseSlurmStudy(studyDir);
  const print = progress(expanded.members.length);
  print.say(`study ${studyDir}: ${expanded.members.length} members, at most ${parsed.parallel} at once`);
  const executor = new LocalExecutor({
    studyDir,
    expanded,
    parallel: parsed.parallel,
    baseDir: study.baseDir ?? studyDir,
    nodePath: process.execPath,
    trainerScript: trainerScript(),
    ...print,
  });
  const onSignal = () => {
    if (executor.stopped) {
      print.say('stopping at once');
      executor.kill();
      return;
    }
    print.say('\nstopping the study: running members are cancelled after their current step (again to stop at once)…');
    executor.stop();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  process.stderr.on('error', () => {});
  const unlock = lockStudy(studyDir);
  const startedAt = Date.now();
  try {
    const outcome = await executor.run();
    const results = memberResults(studyDir, expanded);
    for (const [id, result] of outcome.results) if (result.status === 'blocked') results.set(id, result);
    const counts = new Map<string, number>();
    for (const result of results.values()) counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
    const tally = [...counts.entries()].map(([status, n]) => `${n} ${status}`).join(', ');
    const wall = ((Date.now() - startedAt) / 1000).toFixed(1);
    process.stdout.write(
      `\n${formatStudyTable(studyRows(expanded.members, results), 'table')}\n\n${expanded.members.length} members: ${tally}; ${outcome.ran.length} trained now in ${wall} s\nstudy folder: ${studyDir}\n`,
    );
    if (outcome.stopped) return 130;
    return [...results.values()].every((r) => r.status === 'completed') ? 0 : 1;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    unlock();
  }
}

/** A study submitted to Slurm resumes there: the local pool would train again the members its jobs are training. */
function refuseSlurmStudy(studyDir: string): void {
  if (existsSync(join(studyDir, JOBS_FILE))) {
    throw new Error(`the study ${studyDir} was submitted to Slurm (${JOBS_FILE}): resume it with --executor slurm; see it with distill-lab study --status ${studyDir}`);
  }
}

/** `distill-lab compare --study <folder> [--format table|md|csv] [--sort order|delta|test|method]`: the study's table as its run folders say now. */
export function compareStudyCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, options: { study: { type: 'string' }, format: { type: 'string' }, sort: { type: 'string' } }, allowPositionals: true, strict: true });
  const sort = (values.sort ?? 'order') as StudySortKey;
  if (!STUDY_SORT_KEYS.includes(sort)) throw new Error(`--sort: expected one of ${STUDY_SORT_KEYS.join(', ')}, got "${values.sort}"`);
  if (positionals.length) throw new Error(`unexpected argument: ${positionals[0]}`);
  const format = (values.format ?? 'table') as StudyTableFormat;
  if (!STUDY_TABLE_FORMATS.includes(format)) throw new Error(`--format: expected one of ${STUDY_TABLE_FORMATS.join(', ')}, got "${values.format}"`);
  const studyDir = resolve(values.study!);
  const expanded = expandStudy(readStudy(studyDir), basename(studyDir));
  process.stdout.write(`${formatStudyTable(sortStudyRows(studyRows(expanded.members, memberResults(studyDir, expanded)), sort), format)}\n`);
  return 0;
}
