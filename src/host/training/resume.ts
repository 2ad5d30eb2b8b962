// Resume = a new run that continues where an unfinished one stopped, as far as the engine allows.
// The engine cannot restart a model mid-training yet (no optimizer state in checkpoints), so what
// carries over is the trained teacher: if the old run finished its teacher phase, the new run
// loads that teacher (teacher.checkpoint = its last checkpoint) and trains the students again;
// otherwise the new run starts over with the same config and seed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../shared/run-folder';
import type { RunEntry } from '../experiments/store';
import type { ExperimentConfig } from '../../shared/protocol';

export interface ResumePlan {
  config: ExperimentConfig;
  /** What the new run keeps from the old one, for the user. */
  note: string;
}

export const RESUMABLE = ['interrupted', 'failed', 'cancelled'] as const;

export function planResume(entry: RunEntry): ResumePlan {
  if (!(RESUMABLE as readonly string[]).includes(entry.record.status)) throw new Error(`only an interrupted, failed or cancelled run can be resumed; this one is ${entry.record.status}`);
  const configFile = entry.folder.path(RUN_FILES.config);
  if (!existsSync(configFile)) throw new Error(`${entry.runDir} has no ${RUN_FILES.config} to resume from`);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as ExperimentConfig;
  const method = config.method.name;
  if (method !== 'teacher' && method !== 'scratch') {
    if (config.teacher.checkpoint) return { config, note: 'It loads the same teacher checkpoint and trains the students again from the start.' };
    const teacherDone = entry.summary?.models.some((model) => model.role === 'teacher') ?? false;
    const teacherLast = entry.folder.checkpointDir('teacher', 'last');
    if (teacherDone && existsSync(join(teacherLast, 'model.json'))) {
      return {
        config: { ...config, teacher: { ...config.teacher, checkpoint: teacherLast } },
        note: "It continues from the interrupted run's trained teacher (its last checkpoint) and trains the students again from the start: the engine cannot resume a model mid-training yet.",
      };
    }
  }
  return { config, note: 'Nothing finished could be carried over, so it starts again from the beginning with the same config and seed: the engine cannot resume a model mid-training yet.' };
}
