// The user's labelled text: CSV or TSV with a header row (csv-parse), or JSON Lines, chosen by the file's extension.
// Errors name the file, the line, the field, what was expected and what was found (shortened, never the whole text).
import { parse } from 'csv-parse/sync';
import { extname } from 'node:path';
import { shown } from '../csv';
import { readMaybeGzipped } from '../files';

export interface TextFields {
  textField: string;
  labelField: string;
}

export interface TextRecords {
  file: string;
  texts: string[];
  /** Labels as written: class names, or integers as text. */
  labels: string[];
  /** The line each record starts at, for errors found later (a label out of range). */
  lines: number[];
}

type Format = 'csv' | 'tsv' | 'jsonl';

const FORMATS: Record<string, Format> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** `.csv`, `.tsv` / `.tab`, `.jsonl` / `.ndjson`, each optionally `.gz`. */
export function textFormat(file: string): Format {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  const format = FORMATS[extname(name)];
  if (format === undefined) throw new Error(`Text file ${file}: expected a name ending in .csv, .tsv or .jsonl (optionally .gz), found "${shown(extname(name) || '(no extension)')}"`);
  return format;
}

const describe = (value: unknown) => (value === null ? 'null' : value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? `"${shown(value)}"` : `${typeof value} ${shown(JSON.stringify(value))}`);

function fieldProblem(file: string, line: number, field: string, expected: string, found: string): Error {
  return new Error(`Text file ${file}: expected ${expected} at line ${line}, field "${shown(field)}", found ${found}`);
}

function label(file: string, line: number, field: string, value: unknown): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  throw fieldProblem(file, line, field, 'a label (a class name or an integer)', describe(value));
}

function text(file: string, line: number, field: string, value: unknown): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw fieldProblem(file, line, field, 'text', value === '' || (typeof value === 'string' && value.trim() === '') ? 'an empty value' : describe(value));
}

function readJsonLines(file: string, content: string, fields: TextFields): TextRecords {
  const records: TextRecords = { file, texts: [], labels: [], lines: [] };
  content.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const source = raw.replace(/^\uFEFF/, '').trim();
    if (source === '') return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new Error(`Text file ${file}: expected a JSON object at line ${line}, found invalid JSON (${shown((error as Error).message, 80)})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`Text file ${file}: expected a JSON object at line ${line}, found ${describe(value)}`);
    const object = value as Record<string, unknown>;
    records.texts.push(text(file, line, fields.textField, object[fields.textField]));
    records.labels.push(label(file, line, fields.labelField, object[fields.labelField]));
    records.lines.push(line);
  });
  return records;
}

function readDelimited(file: string, content: string, format: 'csv' | 'tsv', fields: TextFields): TextRecords {
  const what = format === 'csv' ? 'comma-separated' : 'tab-separated';
  let rows: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    // One line ending, so that csv-parse's line count (info.lines) is the line an editor shows.
    rows = parse(content.replace(/\r\n?/g, '\n'), { bom: true, delimiter: format === 'csv' ? ',' : '\t', relax_quotes: true, skip_empty_lines: true, info: true, raw: true });
  } catch (error) {
    const problem = shown((error as Error).message.split(/,? value is /)[0], 160);
    throw new Error(`Text file ${file}: expected ${what} rows with a header, found a parse error: ${problem}`);
  }
  if (rows.length === 0) throw new Error(`Text file ${file}: expected a header row, found an empty file`);
  const header = rows[0].record.map((name) => name.trim());
  const column = (field: string) => {
    const index = header.indexOf(field);
    if (index < 0) throw new Error(`Text file ${file}: expected a column named "${shown(field)}" in the header (line 1), found ${header.slice(0, 20).map((h) => `"${shown(h)}"`).join(', ')}`);
    return index;
  };
  const textColumn = column(fields.textField);
  const labelColumn = column(fields.labelField);
  const records: TextRecords = { file, texts: [], labels: [], lines: [] };
  for (const row of rows.slice(1)) {
    // info.lines is where the record ends (a quoted field may span lines); raw also holds the empty lines before it.
    const line = row.info.lines - (row.raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);
    records.texts.push(text(file, line, fields.textField, row.record[textColumn]));
    records.labels.push(label(file, line, fields.labelField, row.record[labelColumn]));
    records.lines.push(line);
  }
  return records;
}

/** Every record's text and label; a file without records is an error. */
export function readTextFile(file: string, fields: TextFields): TextRecords {
  const format = textFormat(file);
  const content = readMaybeGzipped(file, 'Text file').toString('utf8');
  const records = format === 'jsonl' ? readJsonLines(file, content, fields) : readDelimited(file, content, format, fields);
  if (records.texts.length === 0) throw new Error(`Text file ${file}: expected at least one record with fields "${shown(fields.textField)}" and "${shown(fields.labelField)}", found none`);
  return records;
}
