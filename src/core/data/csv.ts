import { parse } from 'csv-parse/sync';
import { basename, extname } from 'node:path';
import { readBytes } from './files';
import { checkClassesHaveTrainingSamples, checkLabelRange } from './labels';
import type { LoadedDataset, Split } from './types';

interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
}

/** A cell or column name as an error shows it: printable, and short (a message never echoes a file's bytes at length). */
export function shown(text: string, max = 24): string {
  const printable = [...text].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 || c === '\ufffd' ? '?' : c)).join('');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** At most the first 20 column names, each shortened. */
function columns(header: string[]): string {
  const names = header.slice(0, 20).map((h) => `"${shown(h)}"`);
  return header.length > 20 ? `${names.join(', ')}, … (${header.length} columns)` : names.join(', ');
}

/** csv-parse's message without the field's text it sometimes quotes (`value is "…"`). */
function parseProblem(message: string): string {
  const cut = message.split(/,? value is /)[0];
  return shown(cut, 160);
}

function readTable(file: string): CsvTable {
  const text = readBytes(file, 'CSV file').toString('utf8');
  let records: string[][];
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new Error(`CSV file ${file}: expected comma-separated rows with a header, found a parse error: ${parseProblem((error as Error).message)}`);
  }
  if (records.length === 0) throw new Error(`CSV file ${file}: expected a header row, found an empty file`);
  return { file, header: records[0], rows: records.slice(1) };
}

function labelIndex(table: CsvTable, labelColumn: string | number): number {
  if (typeof labelColumn === 'number') {
    if (labelColumn >= table.header.length) {
      throw new Error(`CSV file ${table.file}: expected label column index below ${table.header.length} (the number of columns), found ${labelColumn}`);
    }
    return labelColumn;
  }
  const index = table.header.indexOf(labelColumn);
  if (index < 0) throw new Error(`CSV file ${table.file}: expected a label column named "${labelColumn}", found columns ${columns(table.header)}`);
  return index;
}

function features(table: CsvTable, label: number): Float32Array {
  const width = table.header.length - 1;
  const x = new Float32Array(table.rows.length * width);
  table.rows.forEach((row, r) => {
    let k = 0;
    for (let c = 0; c < row.length; c++) {
      if (c === label) continue;
      const value = row[c] === '' ? Number.NaN : Number(row[c]);
      if (!Number.isFinite(value)) {
        // Row numbers count the header as row 1, as a spreadsheet shows them.
        throw new Error(`CSV file ${table.file}: expected a number in row ${r + 2}, column "${shown(table.header[c])}" (${c}), found "${shown(row[c])}"`);
      }
      x[r * width + k++] = value;
    }
  });
  return x;
}

const isIndex = (label: string) => /^\d+$/.test(label);

/** Integer labels are class indices; any other labels are names, mapped to indices in sorted order. */
export function classesFor(labels: string[]): { classNames: string[]; indexOf: (label: string) => number } {
  if (labels.every(isIndex)) {
    const max = labels.reduce((m, l) => Math.max(m, Number(l)), -1);
    return { classNames: Array.from({ length: max + 1 }, (_, i) => String(i)), indexOf: Number };
  }
  const classNames = [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const map = new Map(classNames.map((name, i) => [name, i]));
  return { classNames, indexOf: (label) => map.get(label)! };
}

/** Loads a CSV with a header row: one label column, every other column a numeric feature. */
export function loadCsv(trainFile: string, testFile: string | undefined, labelColumn: string | number): LoadedDataset {
  const train = readTable(trainFile);
  const label = labelIndex(train, labelColumn);
  if (train.header.length < 2) throw new Error(`CSV file ${trainFile}: expected a label column and at least one feature column, found ${train.header.length} column(s)`);
  const test = testFile === undefined ? undefined : readTable(testFile);
  if (test && test.header.join('\u0000') !== train.header.join('\u0000')) {
    throw new Error(`CSV file ${test.file}: expected the same columns as ${trainFile} (${columns(train.header)}), found ${columns(test.header)}`);
  }
  const tables = test ? [train, test] : [train];
  for (const table of tables) {
    const r = table.rows.findIndex((row) => row[label] === '');
    if (r >= 0) throw new Error(`CSV file ${table.file}: expected a label in row ${r + 2}, column "${shown(table.header[label])}" (${label}), found an empty value`);
  }
  if (tables.every((t) => t.rows.every((row) => isIndex(row[label])))) {
    for (const table of tables) {
      table.rows.forEach((row, r) => checkLabelRange(`CSV file ${table.file}`, Number(row[label]), `row ${r + 2}, column "${shown(table.header[label])}" (${label})`));
    }
  }
  const { classNames, indexOf } = classesFor(tables.flatMap((t) => t.rows.map((row) => row[label])));
  const toSplit = (table: CsvTable): Split => ({
    x: features(table, label),
    y: Int32Array.from(table.rows, (row) => indexOf(row[label])),
    count: table.rows.length,
  });
  const trainSplit = toSplit(train);
  const testSplit = test ? toSplit(test) : undefined;
  const warnings = checkClassesHaveTrainingSamples(`CSV file ${trainFile}`, classNames, trainSplit, testSplit, true);
  return {
    name: basename(trainFile, extname(trainFile)),
    classNames,
    inputShape: [train.header.length - 1],
    train: trainSplit,
    test: testSplit,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
