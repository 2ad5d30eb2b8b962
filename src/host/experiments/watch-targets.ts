// What the store watches in a runs folder: only its own levels, each folder non-recursively — the
// runs folder (experiments appearing or going), each experiment folder (its runs) and each run
// folder (its run.json and summary.json; never the checkpoints below). A runs folder that does not
// exist yet is watched from its parent, for its own name only. No vscode here: the store turns
// each target into a watcher.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface WatchTarget {
  folder: string;
  /** A glob for the folder's own entries: never `**`, never a path. */
  pattern: string;
}

export function watchTargets(runsDir: string): WatchTarget[] {
  if (!existsSync(runsDir)) return [{ folder: dirname(runsDir), pattern: basename(runsDir) }];
  const targets: WatchTarget[] = [{ folder: runsDir, pattern: '*' }];
  for (const experiment of subfolders(runsDir)) {
    targets.push({ folder: experiment, pattern: '*' });
    for (const run of subfolders(experiment)) targets.push({ folder: run, pattern: '*' });
  }
  return targets;
}

export function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}
