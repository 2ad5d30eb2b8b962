// Export Student: the student's best checkpoint (TensorFlow.js layers format) with the run's
// summary and config, copied into a folder of the user's choosing.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../shared/run-folder';
import type { RunEntry } from './store';

export function studentRole(entry: RunEntry): string | undefined {
  const roles = entry.summary?.models.map((model) => model.role) ?? [];
  return roles.find((role) => role === 'student') ?? roles.find((role) => role.startsWith('student'));
}

/** Copies into `<targetDir>/<experiment>-<run>-<role>/`; returns that folder. */
export function exportStudent(entry: RunEntry, targetDir: string): string {
  const role = studentRole(entry);
  if (!role) throw new Error(`${entry.experiment}/${entry.id} has no trained student to export`);
  const checkpoint = entry.folder.checkpointDir(role, 'best');
  if (!existsSync(join(checkpoint, 'model.json'))) throw new Error(`${entry.experiment}/${entry.id} has no best checkpoint of its ${role} (${checkpoint})`);
  let dest = join(targetDir, `${entry.experiment}-${entry.id}-${role}`);
  for (let n = 2; existsSync(dest); n++) dest = join(targetDir, `${entry.experiment}-${entry.id}-${role}-${n}`);
  cpSync(checkpoint, dest, { recursive: true });
  for (const file of [RUN_FILES.summary, RUN_FILES.config]) {
    if (existsSync(entry.folder.path(file))) cpSync(entry.folder.path(file), join(dest, file));
  }
  return dest;
}
