// The sbatch script of one submission of a study: a bash array job whose task N trains member N
// with `distill-lab run <member config> --run-dir <member folder>`, with the study's #SBATCH
// options. Written into the study folder, readable and resubmittable as it stands.
import type { SlurmOptions } from '../../shared/protocol';

export interface ScriptTask {
  index: number;
  member: string;
  /** Absolute paths on the shared filesystem. */
  runDir: string;
  config: string;
}

export interface ScriptSpec {
  studyName: string;
  studyDir: string;
  submission: number;
  /** Absolute path of the script itself (the header's commands name it). */
  scriptPath: string;
  logsDir: string;
  options: SlurmOptions;
  tasks: ScriptTask[];
  nodePath: string;
  cliPath: string;
  baseDir: string;
  /** The sbatch calls, as `sbatch` arguments before the script; `<teacher job>` stands for the first call's job id. */
  submitCommands: string[][];
}

/** A word for bash: single-quoted, with a quote inside closed, escaped and reopened. */
export const shellQuote = (text: string) => (/^[A-Za-z0-9_./=:@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** The #SBATCH lines of the study's options (the array range and dependency are given on sbatch's command line). */
export function sbatchLines(spec: Pick<ScriptSpec, 'studyName' | 'logsDir' | 'options' | 'studyDir'>): string[] {
  const { options } = spec;
  const lines = [`#SBATCH --job-name=${shellQuote(`distill-${spec.studyName}`)}`, `#SBATCH --output=${shellQuote(`${spec.logsDir}/%A_%a.out`)}`, `#SBATCH --chdir=${shellQuote(spec.studyDir)}`];
  if (options.partition) lines.push(`#SBATCH --partition=${options.partition}`);
  if (options.account) lines.push(`#SBATCH --account=${options.account}`);
  if (options.time) lines.push(`#SBATCH --time=${options.time}`);
  if (options.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${options.cpusPerTask}`);
  if (options.mem) lines.push(`#SBATCH --mem=${options.mem}`);
  if (options.gpus) lines.push(`#SBATCH --gpus=${options.gpuType ? `${options.gpuType}:` : ''}${options.gpus}`);
  lines.push(...options.extra);
  return lines;
}

export function slurmScript(spec: ScriptSpec): string {
  const quote = shellQuote;
  const commands = spec.submitCommands.map((args) => `#   sbatch ${args.join(' ')} ${quote(spec.scriptPath)}`);
  const cases = spec.tasks.map((task) => `  ${task.index}) member=${quote(task.member)}; run_dir=${quote(task.runDir)}; config=${quote(task.config)} ;;`);
  return `#!/bin/bash
# Distill Lab study "${spec.studyName}", submission ${spec.submission}: ${spec.tasks.length} member${spec.tasks.length === 1 ? '' : 's'}, one array task each.
# Task N trains one member with \`distill-lab run <config> --run-dir <folder>\` into its folder of
# the study (${spec.studyDir}); the logs go to ${spec.logsDir}/<job>_<task>.out.
#
# Submitted with (the job ids are in slurm/jobs.json):
${commands.join('\n')}
#
# To resubmit: \`distill-lab study ${quote(spec.studyDir)} --executor slurm\` submits again the
# members without a completed run (new attempt folders, a new script). This script can also be
# given to sbatch again as above: a task whose folder already holds a run does nothing.
# Status: distill-lab study --status ${quote(spec.studyDir)}; stop: distill-lab study --cancel ${quote(spec.studyDir)}
${sbatchLines(spec).join('\n')}
set -euo pipefail

case "\${SLURM_ARRAY_TASK_ID:?submit this script with sbatch --array (see above)}" in
${cases.join('\n')}
  *) echo "distill-lab: array task \${SLURM_ARRAY_TASK_ID} trains no member of this study" >&2; exit 2 ;;
esac

# The folder was created empty at submission: anything in it is a run that started there.
if [ -n "$(ls -A "$run_dir" 2>/dev/null)" ]; then
  echo "distill-lab: member $member already has a run in $run_dir; nothing to do"
  exit 0
fi
${spec.options.setup.join('\n')}${spec.options.setup.length ? '\n' : ''}echo "distill-lab: member $member (array task \${SLURM_ARRAY_TASK_ID}, job \${SLURM_JOB_ID}) on $(hostname) into $run_dir"
exec ${quote(spec.nodePath)} ${quote(spec.cliPath)} run "$config" --run-dir "$run_dir" --base-dir ${quote(spec.baseDir)}
`;
}
