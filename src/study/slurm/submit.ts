// Submits a study's members that still need a run as one Slurm array job: each member gets its
// attempt folder and its config file in the study folder, the script is written beside them, and
// sbatch is called once for the members that need nobody, once more — waiting on the teacher's
// task with afterok — for the students that learn from the shared teacher, whose checkpoint
// path is already in their configs. The job ids are recorded after each call.
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/fs-atomic';
import type { SlurmOptions } from '../../shared/protocol';
import { withTeacherCheckpoint, type StudyMember } from '../../shared/study/expand';
import { claimAttemptDir, memberRun } from '../../shared/study/folder';
import { teacherCheckpointOf } from '../local-executor';
import { runSlurmOrThrow, type SlurmCommands } from './commands';
import { readJobs, SLURM_DIR, writeJobs, type Submission, type SlurmJobs } from './jobs-file';
import { parseSbatch } from './parse';
import { slurmScript, type ScriptTask } from './script';
import type { SlurmMemberStatus } from './status';

export interface SubmitSpec {
  studyDir: string;
  studyName: string;
  members: readonly StudyMember[];
  /** The members' current status (mergeStatus); a member queued, running or completed is not submitted again. */
  current: readonly SlurmMemberStatus[];
  options: SlurmOptions;
  nodePath: string;
  cliPath: string;
  baseDir: string;
  commands?: SlurmCommands;
}

export interface SubmitOutcome {
  submission?: Submission;
  /** Members left out, and why (completed, or queued or running already). */
  skipped: { member: string; why: string }[];
}

/** `0-3,5`: indices as sbatch's --array takes them, with `%N` when at most N may run at once. */
export function arraySpec(indices: number[], maxParallel?: number): string {
  const parts: string[] = [];
  const sorted = [...indices].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${parts.join(',')}${maxParallel ? `%${maxParallel}` : ''}`;
}

function rmEmptyDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (a run started in it) or gone: kept
  }
}

/** A submission folder `slurm/<n>`, claimed with a non-recursive mkdir so two submissions never share one. */
function claimSubmissionDir(studyDir: string, jobs: SlurmJobs): { dir: string; number: number } {
  mkdirSync(join(studyDir, SLURM_DIR), { recursive: true });
  for (let n = (jobs.submissions.at(-1)?.number ?? 0) + 1; ; n++) {
    const dir = join(studyDir, SLURM_DIR, String(n));
    try {
      mkdirSync(dir);
      return { dir, number: n };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create ${dir}: ${(error as Error).message}`);
    }
  }
}

export async function submitStudy(spec: SubmitSpec): Promise<SubmitOutcome> {
  const { studyDir } = spec;
  const status = new Map(spec.current.map((s) => [s.member, s]));
  const skipped: SubmitOutcome['skipped'] = [];
  const wanted = spec.members.filter((member) => {
    const now = status.get(member.id);
    if (now && ['completed', 'queued', 'running'].includes(now.status)) {
      skipped.push({ member: member.id, why: now.status === 'completed' ? 'completed already' : `${now.status} (task ${now.job})` });
      return false;
    }
    return true;
  });
  if (wanted.length === 0) return { skipped };

  const jobs = readJobs(studyDir);
  const { dir: submissionDir, number } = claimSubmissionDir(studyDir, jobs);
  const logsDir = join(submissionDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const configsDir = join(submissionDir, 'configs');

  // The teacher first, then the members that need nobody, then the students of the teacher.
  const teacherIds = new Set(spec.members.filter((m) => m.role === 'teacher').map((m) => m.id));
  const learners = (member: StudyMember) => member.teacher !== undefined;
  const ordered = [...wanted.filter((m) => teacherIds.has(m.id)), ...wanted.filter((m) => !teacherIds.has(m.id) && !learners(m)), ...wanted.filter((m) => !teacherIds.has(m.id) && learners(m))];

  const runDirs = new Map<string, string>();
  for (const member of ordered) runDirs.set(member.id, claimAttemptDir(studyDir, member.id));
  /** Where a teacher member's checkpoint will be: its attempt of this submission, or its completed run. */
  const teacherRunDir = (id: string) => runDirs.get(id) ?? memberRun(studyDir, id)?.dir;
  const tasks: ScriptTask[] = ordered.map((member, index) => {
    let config = member.config;
    if (member.teacher) {
      const dir = teacherRunDir(member.teacher);
      if (!dir) throw new Error(`member ${member.id}: its teacher (member ${member.teacher}) has no run folder`);
      config = withTeacherCheckpoint(config, teacherCheckpointOf(dir));
    }
    const file = join(configsDir, `${member.id}.json`);
    writeJsonAtomic(file, config);
    return { index, member: member.id, runDir: runDirs.get(member.id)!, config: file };
  });

  // The students wait for the teacher's task: of this submission (task 0), or of an earlier one still queued or running.
  const dependents = tasks.filter((task) => ordered[task.index].teacher !== undefined);
  const teacherId = dependents.length ? ordered[dependents[0].index].teacher! : undefined;
  const earlierTeacher = teacherId && !runDirs.has(teacherId) ? status.get(teacherId) : undefined;
  const waitOn =
    teacherId && runDirs.has(teacherId) ? { first: true as const } : earlierTeacher?.job && ['queued', 'running'].includes(earlierTeacher.status) ? { job: earlierTeacher.job } : undefined;
  const dependentSet = new Set(waitOn ? dependents.map((t) => t.index) : []);
  const firstIndices = tasks.map((t) => t.index).filter((i) => !dependentSet.has(i));
  const secondIndices = [...dependentSet];

  const scriptPath = join(submissionDir, 'study.sbatch');
  const dependencyOf = (teacherJob: string) => `afterok:${waitOn && 'first' in waitOn ? `${teacherJob}_0` : waitOn?.job}`;
  const calls: { indices: number[]; args: (teacherJob: string) => string[] }[] = [];
  if (firstIndices.length) calls.push({ indices: firstIndices, args: () => [`--array=${arraySpec(firstIndices, spec.options.maxParallel)}`] });
  if (secondIndices.length) {
    calls.push({
      indices: secondIndices,
      args: (teacherJob) => [`--array=${arraySpec(secondIndices, spec.options.maxParallel)}`, `--dependency=${dependencyOf(teacherJob)}`, '--kill-on-invalid-dep=yes'],
    });
  }
  writeFileAtomic(
    scriptPath,
    slurmScript({
      studyName: spec.studyName,
      studyDir,
      submission: number,
      scriptPath,
      logsDir,
      options: spec.options,
      tasks,
      nodePath: spec.nodePath,
      cliPath: spec.cliPath,
      baseDir: spec.baseDir,
      submitCommands: calls.map((call) => call.args('<job id of the first>')),
    }),
  );

  const submission: Submission = {
    number,
    submittedAt: new Date().toISOString(),
    script: relative(studyDir, scriptPath),
    jobs: [],
    tasks: [],
  };
  jobs.submissions.push(submission);
  let firstJob = '';
  for (const call of calls) {
    const args = call.args(firstJob);
    let jobId: string;
    try {
      jobId = parseSbatch(await runSlurmOrThrow('sbatch', ['--parsable', ...args, scriptPath], spec.commands));
    } catch (error) {
      // The members not submitted leave no empty attempt folder behind: a resubmission claims their first free name again.
      const unsubmitted = calls.slice(calls.indexOf(call)).flatMap((c) => c.indices.map((i) => tasks[i]));
      for (const task of unsubmitted) rmEmptyDir(task.runDir);
      if (submission.jobs.length === 0) {
        rmSync(submissionDir, { recursive: true, force: true });
        throw error;
      }
      throw new Error(
        `${(error as Error).message}\nsubmitted: job ${firstJob} (${submission.tasks.map((t) => t.member).join(', ')}); not submitted: ${unsubmitted.map((t) => t.member).join(', ')} — submit them with distill-lab study ${studyDir} --executor slurm`,
      );
    }
    if (!firstJob) firstJob = jobId;
    const dependency = args.find((a) => a.startsWith('--dependency='))?.slice('--dependency='.length);
    submission.jobs.push({ jobId, array: args[0].slice('--array='.length), ...(dependency ? { dependency } : {}) });
    for (const index of call.indices) {
      const task = tasks[index];
      submission.tasks.push({ index, member: task.member, runDir: relative(studyDir, task.runDir), config: relative(studyDir, task.config), jobId });
    }
    submission.tasks.sort((a, b) => a.index - b.index);
    writeJobs(studyDir, jobs);
  }
  return { submission, skipped };
}
