// The study table of a study folder as its run folders say now, as CSV or Markdown (no vscode
// here): the same table as `distill-lab compare --study … --format csv|md`.
import { basename, extname } from 'node:path';
import { expandStudy } from '../../shared/study/expand';
import { memberResults, readStudy } from '../../shared/study/folder';
import { formatStudyTable, studyRows } from '../../shared/study/table';

export type ExportFormat = 'csv' | 'md';

/** The format a file name asks for: Markdown for .md and .markdown, CSV for anything else. */
export function exportFormatOf(file: string): ExportFormat {
  return ['.md', '.markdown'].includes(extname(file).toLowerCase()) ? 'md' : 'csv';
}

export function studyTableText(studyDir: string, format: ExportFormat): string {
  const expanded = expandStudy(readStudy(studyDir), basename(studyDir));
  return `${formatStudyTable(studyRows(expanded.members, memberResults(studyDir, expanded)), format)}\n`;
}
