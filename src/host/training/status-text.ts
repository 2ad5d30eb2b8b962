// What the runs' status-bar item says (no vscode here, so it is tested as it is): how many runs,
// the backend the first running one trains on and where it is; the tooltip has a line per run.
import type { RunJob } from './run-job';

type Job = Pick<RunJob, 'state' | 'progress' | 'label'>;

export function runsStatusText(jobs: readonly Job[]): { text: string; tooltip: string } {
  const running = jobs.filter((job) => job.state === 'running');
  const queued = jobs.length - running.length;
  const first = running[0];
  const where = first ? ` · ${[first.progress.backend, first.progress.describe()].filter(Boolean).join(' · ')} · ${Math.round(first.progress.fraction * 100)}%` : '';
  return {
    text: `$(sync~spin) Distill: ${running.length} running${queued ? `, ${queued} queued` : ''}${where}`,
    tooltip: jobs.map((job) => `${job.label}: ${job.state === 'queued' ? 'queued' : `${job.progress.describe()}${job.progress.backend ? ` (backend ${job.progress.backend})` : ''}`}`).join('\n'),
  };
}
