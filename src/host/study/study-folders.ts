// The studies in a runs folder (no vscode here): every folder directly inside it that holds a
// study.json, with the study's members as expanded from it — or why the file cannot be used.
// A study.json is read again only when it changed.
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { STUDY_FILE } from '../../shared/protocol';
import { expandStudy, type StudyMember } from '../../shared/study/expand';
import { readStudy } from '../../shared/study/folder';
import { subfolders } from '../experiments/watch-targets';

export interface StudyFolder {
  /** The study folder's name: also the experiment name of its member runs. */
  name: string;
  dir: string;
  members: readonly StudyMember[];
  /** Why study.json cannot be read or expanded (members is empty then). */
  problem?: string;
}

export class StudyFolderReader {
  private readonly cache = new Map<string, { stamp: string; folder: StudyFolder }>();

  read(runsDir: string): StudyFolder[] {
    const folders: StudyFolder[] = [];
    const seen = new Set<string>();
    for (const dir of subfolders(runsDir)) {
      let stamp: string;
      try {
        const stat = statSync(join(dir, STUDY_FILE));
        stamp = `${stat.mtimeMs}:${stat.size}`;
      } catch {
        continue;
      }
      seen.add(dir);
      const cached = this.cache.get(dir);
      if (cached?.stamp === stamp) {
        folders.push(cached.folder);
        continue;
      }
      const folder = readStudyFolder(dir);
      this.cache.set(dir, { stamp, folder });
      folders.push(folder);
    }
    for (const dir of this.cache.keys()) if (!seen.has(dir)) this.cache.delete(dir);
    return folders;
  }
}

export function readStudyFolder(dir: string): StudyFolder {
  const name = basename(dir);
  try {
    return { name, dir, members: expandStudy(readStudy(dir), name).members };
  } catch (error) {
    return { name, dir, members: [], problem: (error as Error).message };
  }
}
