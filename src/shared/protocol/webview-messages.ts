// Messages between the extension host and the dashboard webview.
import { z } from 'zod';
import type { AttentionSamplePayload } from '../attention-sample';
import { KnowledgeIndex, type RunRecord, type RunStatus, type RunSummary } from './records';
import type { TrainerEvent } from './trainer-messages';

// ==================== host ⇄ webview messages (dashboard) ====================
// Owned by the dashboard (src/dashboard/, webview/). The host posts `HostToWebview` only after
// the webview said `ready`; every `WebviewToHost` message is parsed with the zod schema below
// before the host acts on it. Small state is pushed whole (run list, a run's history, compare data).

export type DashboardView = 'form' | 'run' | 'compare' | 'study';
/** What the dashboard shows: a view, with the run (view 'run') or the study folder (view 'study') to open. */
export type DashboardFocus = { view: 'form' | 'run' | 'compare'; runDir?: string } | { view: 'study'; studyDir: string; runDir?: undefined };

/** One run as the dashboard lists it (from run.json). */
export interface DashboardRunItem {
  runDir: string;
  id: string;
  experiment: string;
  /** 'damaged': its run.json or summary.json cannot be read; `damage` says which file and why. */
  status: RunStatus | 'damaged';
  /** '?' when run.json does not say (damaged, or its config was rejected). */
  method: string;
  /** '' when run.json cannot be read. */
  createdAt: string;
  damage?: string;
}

/** The trainer events the dashboard draws; history (metrics.jsonl) and live events go through one reducer. */
export type DashboardEvent = Extract<TrainerEvent, { type: 'started' | 'progress' | 'steps' | 'epoch' | 'predictionInputs' | 'predictions' | 'finished' | 'failed' | 'cancelled' }>;

export interface DashboardRunHistory {
  runDir: string;
  record?: RunRecord;
  /** config.json, as the trainer resolved it. */
  config?: unknown;
  /** Every drawn event of metrics.jsonl in order; only the latest `predictions` of each phase. */
  events: DashboardEvent[];
}

/** A run with a summary, for the comparison table. */
export interface DashboardCompareRun {
  runDir: string;
  id: string;
  experiment: string;
  status: RunStatus;
  config?: unknown;
  summary: RunSummary;
}

/**
 * A study as the study view draws it (src/host/dashboard/study-data.ts): the rows of the study
 * table (src/shared/study/table.ts) and each member's state. Figures that do not exist are null
 * (a message is JSON: NaN would not survive it).
 */
export interface DashboardStudyRow {
  /** `kd`, `kd temperature=2`, `scratch`, `teacher`. */
  label: string;
  role: 'teacher' | 'baseline' | 'method';
  method: string;
  /** The swept values (grid and random) of the row's members, by config field path. */
  params: Record<string, unknown>;
  members: number;
  completed: number;
  failed: number;
  testMean: number | null;
  testSd: number | null;
  /** Method rows: the paired difference against the scratch baselines of the same seeds (fractions, not points). */
  delta?: { n: number; mean: number | null; sd: number | null; low: number | null; high: number | null; excludesZero: boolean };
  bestVal: number | null;
  lastVal: number | null;
  agreement: number | null;
  wallTimeSec: number | null;
  notes: string[];
}

/** 'waiting': no run folder yet; 'blocked': it learns from the study's teacher, which failed. */
export type DashboardMemberStatus = RunStatus | 'waiting' | 'damaged' | 'blocked';

export interface DashboardStudyMember {
  id: string;
  role: 'teacher' | 'baseline' | 'method';
  group: string;
  seed: number;
  status: DashboardMemberStatus;
  /** The attempt that speaks for it, when it has one. */
  runDir?: string;
  testAccuracy: number | null;
}

export interface DashboardStudy {
  studyDir: string;
  name: string;
  /** The config field paths the study sweeps (grid, then random search). */
  swept: string[];
  seeds: number[];
  rows: DashboardStudyRow[];
  members: DashboardStudyMember[];
  /** A process is running the study now (its lock file is there). */
  active: boolean;
}

/** A study folder of the runs folder. */
export interface DashboardStudyItem {
  studyDir: string;
  name: string;
}

/**
 * A run's knowledge files for the knowledge views: summary.json's index, and each file it names
 * (keyed by that path) as base64 of its little-endian bytes. The webview parses this with the
 * schema and decodes every file against the index before drawing anything.
 */
export const RunKnowledgePayload = z.object({
  index: KnowledgeIndex,
  files: z.record(z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')),
});
export type RunKnowledgePayload = z.infer<typeof RunKnowledgePayload>;

export type HostToWebview =
  | { type: 'init'; uiUpdatesPerSecond: number; runsDir: string; runs: DashboardRunItem[]; focus?: DashboardFocus }
  | { type: 'focus'; focus: DashboardFocus }
  | { type: 'runs'; runs: DashboardRunItem[] }
  | { type: 'runHistory'; history: DashboardRunHistory }
  | { type: 'runEvent'; runDir: string; event: DashboardEvent }
  | { type: 'compareData'; runs: DashboardCompareRun[] }
  /** Answer to `requestKnowledge`: the files, or why they cannot be shown (a damaged file, named). */
  | { type: 'knowledge'; runDir: string; knowledge?: RunKnowledgePayload; problem?: string }
  /**
   * Answer to `requestAttention`: that validation sample's attention maps (a stored sample's sliced
   * from the run's files, another's computed by `distill-lab attention`), or why not, named.
   */
  | { type: 'attention'; runDir: string; sample: number; maps?: AttentionSamplePayload; problem?: string }
  | { type: 'configLoaded'; config: unknown; file: string }
  /** Answer to `openStudy` (and again whenever its member runs change): the study, or why it cannot be read. */
  | { type: 'studyData'; studyDir: string; study?: DashboardStudy; problem?: string }
  /** Answer to `requestStudies`. */
  | { type: 'studies'; studies: DashboardStudyItem[] }
  /** The host's check of a study from the form failed (StudyError.problems). */
  | { type: 'studyProblems'; problems: string[] }
  /** The host's own check of a config failed (ConfigError.problems, same wording as the form's). */
  | { type: 'configProblems'; problems: string[] }
  | { type: 'pathPicked'; field: string; path: string }
  /** The host asks for the form's current experiment config (Distill: Compare Methods…); answered by `formConfig`. */
  | { type: 'requestFormConfig'; requestId: number }
  /** Something the host did or could not do (a run that failed to start, a file that is not JSON). */
  | { type: 'notice'; level: 'info' | 'error'; message: string };

/** A form field's path in the config, e.g. `data.dataset.trainImages`. */
const ConfigFieldPath = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.]+$/);

export const WebviewToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  /** `config` is checked with parseExperimentConfig before a run starts. */
  z.object({ type: z.literal('startRun'), config: z.unknown() }).strict(),
  z.object({ type: z.literal('saveConfig'), config: z.unknown() }).strict(),
  z.object({ type: z.literal('loadConfig') }).strict(),
  z.object({ type: z.literal('pickPath'), field: ConfigFieldPath, kind: z.enum(['file', 'folder']), title: z.string().max(200).optional() }).strict(),
  /** Must name a run folder inside the runs folder. */
  z.object({ type: z.literal('openRun'), runDir: z.string().min(1).max(4096) }).strict(),
  z.object({ type: z.literal('requestCompare') }).strict(),
  /** A run's knowledge files (must name a run folder inside the runs folder). */
  z.object({ type: z.literal('requestKnowledge'), runDir: z.string().min(1).max(4096) }).strict(),
  /** One validation sample's attention maps (the run folder must be inside the runs folder; the host checks the range). */
  z
    .object({
      type: z.literal('requestAttention'),
      runDir: z.string().min(1).max(4096),
      sample: z
        .number()
        .int()
        .nonnegative()
        .max(2 ** 31 - 1),
    })
    .strict(),
  z.object({ type: z.literal('refreshRuns') }).strict(),
  /** A study from the form's Study section; the host parses it (parseStudy) before starting it. */
  z.object({ type: z.literal('startStudy'), study: z.record(z.unknown()) }).strict(),
  /** Must name a study folder inside the runs folder; its data is sent now and whenever its runs change. */
  z.object({ type: z.literal('openStudy'), studyDir: z.string().min(1).max(4096) }).strict(),
  z.object({ type: z.literal('requestStudies') }).strict(),
  /** The study view's buttons: the host's study commands on that study folder (inside the runs folder). */
  z.object({ type: z.literal('studyAction'), action: z.enum(['export', 'stop', 'resume']), studyDir: z.string().min(1).max(4096) }).strict(),
  /** Answer to `requestFormConfig`: the form's config as typed (it may be invalid; the caller checks it). */
  z.object({ type: z.literal('formConfig'), requestId: z.number().int().nonnegative(), config: z.record(z.unknown()) }).strict(),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;
// ==================== end of host ⇄ webview messages ====================
