// What the extension makes of a study it is asked to start (no vscode here, so it is unit-tested
// as it is): the settings merged into its base config as into a single run's (distill.backend,
// and distill.threadsPerRun with the cores shared out over the members that train at once), its
// relative paths resolved against the workspace, and every member checked before a folder is
// claimed. Also Distill: Compare Methods…'s study, and its seeds as typed.
import { DEMO_CONFIG } from '../../cli/demo-config';
import { ExperimentName, parseStudy, type StudyConfig, type StudyConfigInput } from '../../shared/protocol';
import { expandStudy } from '../../shared/study/expand';
import type { Settings } from '../settings';
import { runThreads, withRunSettings } from '../training/run-config';

export type StudySettings = Pick<Settings, 'backend' | 'threadsPerRun' | 'maxParallelRuns'> & Partial<Pick<Settings, 'studyExecutor'>>;

/**
 * The study to save and run: `input` checked (a StudyError names each bad field, a bad member's
 * config names the member), the settings laid into the base where it leaves them open (threads
 * only for the local pool),
 * `baseDir` where the input names none.
 */
export function prepareStudy(input: unknown, settings: StudySettings, baseDir: string, cores?: number): StudyConfig {
  const given = parseStudy(input);
  const members = expandStudy(given, given.name).members.length;
  // On Slurm the members train on the cluster's nodes: this machine's cores say nothing of theirs.
  const threads = settings.studyExecutor === 'slurm' ? undefined : runThreads(settings, cores, members);
  const base = withRunSettings(given.base, { backend: settings.backend, threads });
  const study = parseStudy({ ...given, base, baseDir: given.baseDir ?? baseDir });
  expandStudy(study, study.name);
  return study;
}

/** The seeds typed in Compare Methods' input box ("1, 2, 3" or "1 2 3"): the list, or what is wrong with it. */
export function parseSeeds(text: string): { seeds: number[] } | { problem: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { problem: 'expected at least one seed, e.g. 1, 2, 3' };
  const seeds: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(Number(part))) return { problem: `expected whole numbers from 0, separated by commas; "${part}" is not one` };
    const seed = Number(part);
    if (seeds.includes(seed)) return { problem: `seed ${seed} is listed twice` };
    seeds.push(seed);
  }
  return { seeds };
}

/**
 * Compare Methods' study: the form's config (or the demo's when no dashboard is open) as the base
 * — without its method, which is the study's axis, nor its `baseline` switch, which a study always
 * has — every picked method, every seed. Named after the config: `<name>-methods`.
 */
export function compareMethodsStudy(formConfig: object | undefined, methods: readonly string[], seeds: readonly number[]): StudyConfigInput {
  const config = { ...((formConfig ?? DEMO_CONFIG) as Record<string, unknown>) };
  const { name, method: _method, baseline: _baseline, ...base } = config;
  const wanted = `${typeof name === 'string' && name ? name : 'experiment'}-methods`;
  return { name: ExperimentName.safeParse(wanted).success ? wanted : 'methods', base, methods: [...methods], seeds: [...seeds] };
}

/** The method the form's config runs, to preselect it: undefined for none, or for teacher and scratch (every study has them). */
export function formMethod(formConfig: object | undefined): string | undefined {
  const method = (formConfig as { method?: { name?: unknown } } | undefined)?.method?.name;
  return typeof method === 'string' && method !== 'teacher' && method !== 'scratch' ? method : undefined;
}
