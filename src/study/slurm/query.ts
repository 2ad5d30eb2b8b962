// Asks the cluster how a study's jobs stand: sacct where accounting answers; where it is off,
// squeue (which keeps ended jobs for MinJobAge), `scontrol show job` for those squeue no longer
// lists, and the jobcomp/filetxt file, when the cluster writes one this machine can read, for
// jobs the controller has forgotten.
import { existsSync, readFileSync } from 'node:fs';
import { runSlurm, type SlurmCommands } from './commands';
import { parseJobcomp, parseSacct, parseScontrolJobs, parseSqueue, SACCT_FORMAT, SQUEUE_FORMAT, taskKey, type SlurmTask } from './parse';

export type SlurmSource = 'sacct' | 'squeue' | 'scontrol' | 'jobcomp';

export interface JobStates {
  /** By task key (`<array job>_<task>`, or a job id). */
  tasks: Map<string, SlurmTask & { source: SlurmSource }>;
  /** Which sources answered, for the status line. */
  sources: SlurmSource[];
}

/** The state of every task of these jobs that Slurm still knows. */
export async function queryJobs(jobIds: string[], options: SlurmCommands = {}): Promise<JobStates> {
  const tasks: JobStates['tasks'] = new Map();
  const sources: SlurmSource[] = [];
  if (jobIds.length === 0) return { tasks, sources };
  const add = (found: SlurmTask[], source: SlurmSource) => {
    if (found.length && !sources.includes(source)) sources.push(source);
    for (const task of found) if (!tasks.has(taskKey(task.arrayJobId, task.taskId))) tasks.set(taskKey(task.arrayJobId, task.taskId), { ...task, source });
  };
  const list = jobIds.join(',');

  const sacct = await runSlurm('sacct', ['-n', '-P', '-X', '-j', list, '-o', SACCT_FORMAT], options);
  if (sacct.code === 0) {
    add(parseSacct(sacct.stdout), 'sacct');
    return { tasks, sources };
  }
  // Accounting is off ("Slurm accounting storage is disabled") or slurmdbd does not answer.
  const squeue = await runSlurm('squeue', ['-h', '-r', '--states=all', '-j', list, '-o', SQUEUE_FORMAT], options);
  // Exit 1 with "Invalid job id specified" when none is known any more: not an error of the study.
  if (squeue.code === 0) add(parseSqueue(squeue.stdout), 'squeue');
  const known = new Set([...tasks.values()].map((task) => task.arrayJobId));
  for (const id of jobIds.filter((id) => !known.has(id))) {
    const scontrol = await runSlurm('scontrol', ['-o', 'show', 'job', id], options);
    if (scontrol.code === 0) add(parseScontrolJobs(scontrol.stdout), 'scontrol');
  }
  const stillUnknown = jobIds.filter((id) => ![...tasks.values()].some((task) => task.arrayJobId === id));
  if (stillUnknown.length) {
    const file = await jobcompFile(options);
    if (file) {
      const wanted = new Set(stillUnknown);
      add(
        parseJobcomp(readFileSync(file, 'utf8')).filter((task) => wanted.has(task.arrayJobId)),
        'jobcomp',
      );
    }
  }
  return { tasks, sources };
}

/** The jobcomp/filetxt file of the cluster, when it keeps one and this machine can read it. */
async function jobcompFile(options: SlurmCommands): Promise<string | undefined> {
  const config = await runSlurm('scontrol', ['show', 'config'], options);
  if (config.code !== 0) return undefined;
  const settings = new Map<string, string>();
  for (const line of config.stdout.split('\n')) {
    const match = /^(\w+)\s*=\s*(.*)$/.exec(line.trim());
    if (match) settings.set(match[1], match[2].trim());
  }
  const location = settings.get('JobCompLoc');
  return settings.get('JobCompType') === 'jobcomp/filetxt' && location && existsSync(location) ? location : undefined;
}
