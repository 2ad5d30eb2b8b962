// What Slurm's client commands say about a study's array tasks, parsed into one shape: which
// task of which array job is in which state. Pure: the commands are run by ./commands.ts.
// The outputs parsed are those of Slurm 22.05 (test/fixtures/slurm holds real ones).

/** One array task (or a plain job) as Slurm reports it. */
export interface SlurmTask {
  /** The array's job id (`%A`, `ArrayJobId`); a plain job's own id. */
  arrayJobId: string;
  /** The task's index in the array (`%a`); undefined for a plain job. */
  taskId?: number;
  /** Slurm's state word: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY… */
  state: string;
  /** Why it waits or ended (`Reason`): Dependency, Resources, NonZeroExitCode, DependencyNeverSatisfied… */
  reason?: string;
  /** `exit:signal`, as `ExitCode` gives it. */
  exitCode?: string;
}

/** The key of a task: `<array job id>_<task index>`, as squeue's `%i` writes it. */
export const taskKey = (arrayJobId: string, taskId?: number) => (taskId === undefined ? arrayJobId : `${arrayJobId}_${taskId}`);

/**
 * The indices of an array range as Slurm writes it: `3`, `0-4`, `1,3,5-7`, `0-9:2` (a step),
 * `0-15%4` (at most 4 at once: the limit is dropped), bracketed or not (`[5-9]`).
 */
export function expandTaskRange(range: string): number[] {
  const text = range
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%\d+$/, '');
  const out: number[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!match) throw new Error(`not a Slurm array range: "${range}"`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (last < first || step < 1 || last - first > 1_000_000) throw new Error(`not a Slurm array range: "${range}"`);
    for (let i = first; i <= last; i += step) out.push(i);
  }
  return out;
}

/** The fields squeue prints for the status (`-h -r --states=all -o`), one line per task. */
export const SQUEUE_FORMAT = '%F|%K|%i|%T|%r';

/**
 * `squeue -h -r --states=all -o '%F|%K|%i|%T|%r'`: the array job id, the task index (`N/A` for
 * a plain job), the job id as `<array>_<task>`, the state and the reason, one task a line.
 */
export function parseSqueue(text: string): SlurmTask[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const fields = line.split('|');
      if (fields.length < 5) throw new Error(`squeue: expected 5 fields separated by "|", got "${line}"`);
      const [arrayJobId, task, , state, ...reason] = fields;
      const taskId = /^\d+$/.test(task) ? Number(task) : undefined;
      const why = reason.join('|');
      return { arrayJobId, taskId, state, reason: why && why !== 'None' ? why : undefined };
    });
}

/**
 * A `Key=Value Key=Value…` record, as `scontrol -o show job` and jobcomp/filetxt write them. A
 * value runs to the next ` Key=` (a command or folder may hold spaces).
 */
export function parseKeyValueLine(line: string): Record<string, string> {
  const record: Record<string, string> = {};
  const pattern = /(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=/g;
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
    keys.push({ key: match[1], start: match.index, valueStart: match.index + match[0].length });
  }
  keys.forEach(({ key, valueStart }, i) => {
    const end = i + 1 < keys.length ? keys[i + 1].start : line.length;
    record[key] = line.slice(valueStart, end).trim();
  });
  return record;
}

/** Tasks of one record: a pending array's record stands for every task of its `ArrayTaskId` range. */
function tasksOfRecord(record: Record<string, string>, source: string): SlurmTask[] {
  const state = record.JobState;
  if (!state || !record.JobId) throw new Error(`${source}: a record without JobId and JobState`);
  const reason = record.Reason && record.Reason !== 'None' ? record.Reason : undefined;
  const base = { state, reason, exitCode: record.ExitCode };
  const arrayJobId = record.ArrayJobId ?? record.JobId;
  if (record.ArrayTaskId === undefined || record.ArrayTaskId === 'N/A') return [{ arrayJobId, ...base }];
  return expandTaskRange(record.ArrayTaskId).map((taskId) => ({ arrayJobId, taskId, ...base }));
}

/** `scontrol -o show job <id>`: one line per record (an array's running and ended tasks each their own, its pending ones together). */
export function parseScontrolJobs(text: string): SlurmTask[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('JobId='))
    .flatMap((line) => tasksOfRecord(parseKeyValueLine(line), 'scontrol show job'));
}

/**
 * jobcomp/filetxt's file (`JobCompLoc`): one line per ended job. An array's tasks cancelled
 * before they started are one line without `ArrayTaskId`, under the array's own job id: it says
 * nothing of which tasks, so it is kept as a plain job of that id.
 */
export function parseJobcomp(text: string): SlurmTask[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('JobId='))
    .flatMap((line) => tasksOfRecord(parseKeyValueLine(line), 'jobcomp'));
}

/** The fields sacct prints for the status. */
export const SACCT_FORMAT = 'JobID,State,ExitCode';

/**
 * `sacct -n -P -X -o JobID,State,ExitCode`: `123_4|COMPLETED|0:0`, pending tasks together as
 * `123_[5-9]`, a cancel as `CANCELLED by 0`.
 */
export function parseSacct(text: string): SlurmTask[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const [jobId, rawState, exitCode, reason] = line.split('|');
      if (!jobId || !rawState) throw new Error(`sacct: expected JobID|State|ExitCode, got "${line}"`);
      const state = rawState.split(' ')[0];
      const base = { state, exitCode: exitCode || undefined, reason: reason && reason !== 'None' ? reason : undefined };
      const match = /^(\d+)_(.+)$/.exec(jobId);
      if (!match) return [{ arrayJobId: jobId.split('.')[0], ...base }];
      return expandTaskRange(match[2]).map((taskId) => ({ arrayJobId: match[1], taskId, ...base }));
    });
}

/** `Submitted batch job 123` or, with `--parsable`, `123` or `123;cluster`: the job id. */
export function parseSbatch(text: string): string {
  const trimmed = text.trim();
  const match = /^(\d+)(?:;\S+)?$/.exec(trimmed) ?? /Submitted batch job (\d+)/.exec(trimmed);
  if (!match) throw new Error(`sbatch: expected a job id, got "${trimmed}"`);
  return match[1];
}

/** How a study member's task stands, in the words of the study: Slurm's states folded into five. */
export type TaskPhase = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

const QUEUED = ['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SUSPENDED', 'STOPPED', 'RESIZING'];
const RUNNING = ['RUNNING', 'COMPLETING', 'STAGE_OUT', 'SIGNALING'];

/** A state's phase: a task that ended any other way than COMPLETED or CANCELLED failed (FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL…). */
export function phaseOf(state: string): TaskPhase {
  if (QUEUED.includes(state)) return 'queued';
  if (RUNNING.includes(state)) return 'running';
  if (state === 'COMPLETED') return 'completed';
  if (state === 'CANCELLED') return 'cancelled';
  return 'failed';
}
