import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { methodNamed } from '../shared/methods';
import { BUILTIN_DATASETS, isTextDataset, type ExperimentConfigInput } from '../shared/protocol';
import { parseModelFlag } from './model-flag';

export const RUN_OPTIONS = {
  method: { type: 'string' },
  teacher: { type: 'string' },
  student: { type: 'string' },
  'teacher-checkpoint': { type: 'string' },
  'teacher-epochs': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  temperature: { type: 'string' },
  alpha: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  name: { type: 'string' },
  'limit-train': { type: 'string' },
  'limit-validation': { type: 'string' },
  'max-steps': { type: 'string' },
  /** Threads that train the run together (train.threads), or `auto`: every core. */
  threads: { type: 'string' },
  /** A named training recipe: `quick` (default) or `reference` (RepDistiller's SGD recipe with augmentation). */
  recipe: { type: 'string' },
  'limit-test': { type: 'string' },
  'no-baseline': { type: 'boolean' },
  'runs-dir': { type: 'string' },
  /** A built-in data set by name: fashion-mnist-small (images, the default) or spamassassin (text). */
  data: { type: 'string' },
  /** The user's labelled text, CSV / TSV with a header or JSON Lines: data.dataset = { kind: 'text', train: FILE }. */
  text: { type: 'string' },
  'text-test': { type: 'string' },
  'text-field': { type: 'string' },
  'label-field': { type: 'string' },
  /** Tokens a text row holds (data.dataset.maxLength). */
  'max-length': { type: 'string' },
  /** Train into this folder (created if missing; refused if it holds a run already) instead of a new one under the runs folder: a Slurm study's tasks do. */
  'run-dir': { type: 'string' },
  /** Where relative dataset and checkpoint paths resolve (default: the config file's folder, else the working directory). */
  'base-dir': { type: 'string' },
  /** Any config field by its path, e.g. `--set method.beta=100 --set train.weightDecay=5e-4`. */
  set: { type: 'string', multiple: true },
} as const;

function methodHasParameter(method: string, key: string): boolean {
  const descriptor = methodNamed(method);
  return descriptor ? key in descriptor.schema.shape : true;
}

/** `path=value`: the value as JSON where it parses (numbers, booleans, arrays), else as text. */
function parseSetFlag(flag: string): { path: string[]; value: unknown } {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new Error(`--set: expected path=value (e.g. method.beta=100), got "${flag}"`);
  const raw = flag.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // plain text
  }
  const path = flag.slice(0, eq).split('.');
  const bad = path.find((key) => key === '' || FORBIDDEN_KEYS.has(key));
  if (bad !== undefined) throw new Error(`--set: "${flag.slice(0, eq)}" is not a config field${bad ? ` ("${bad}" cannot be set)` : ''}`);
  return { path, value };
}

/** Keys that would reach Object.prototype rather than the config. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)}`);

/** A JSON config file: an object, with or without a UTF-8 byte order mark. */
function readConfigFile(file: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`config file ${file}: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw new Error(`config file ${file}: expected a JSON object ({ … }), found ${describe(value)}`);
  return value;
}

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${flag}: expected a number, got "${value}"`);
  return n;
}

type Json = Record<string, unknown>;
function objectAt(root: Json, key: string, path: string[]): Json {
  const node = (root[key] ??= {});
  if (!isObject(node)) throw new Error(`${path.join('.')}: cannot set a field inside ${describe(node)}`);
  return node;
}

type RunValues = ReturnType<typeof parseArgs<{ options: typeof RUN_OPTIONS }>>['values'];

/** --data NAME, --text FILE [--text-test FILE] [--text-field F] [--label-field F], --max-length N: the config's data.dataset. */
function setDataset(config: Json, values: RunValues): void {
  const flags = ['data', 'text', 'text-test', 'text-field', 'label-field', 'max-length'] as const;
  if (flags.every((flag) => values[flag] === undefined)) return;
  if (values.data !== undefined && values.text !== undefined) throw new Error('--data and --text: expected one data set, got both (--data names a built-in set, --text your own text file)');
  const data = objectAt(config, 'data', ['data']);
  if (values.data !== undefined) {
    if (!(BUILTIN_DATASETS as readonly string[]).includes(values.data)) {
      throw new Error(
        `--data: expected a built-in data set (${BUILTIN_DATASETS.join(', ')}), got "${values.data}"; give your own text with --text FILE, other data in a config file or with --set data.dataset=…`,
      );
    }
    data.dataset = { kind: 'builtin', name: values.data };
  }
  if (values.text !== undefined) data.dataset = { kind: 'text', train: values.text };
  const dataset = isObject(data.dataset) ? data.dataset : { kind: 'builtin' };
  const textOnly = { 'text-test': 'test', 'text-field': 'textField', 'label-field': 'labelField' } as const;
  for (const [flag, field] of Object.entries(textOnly)) {
    const value = values[flag as keyof typeof textOnly];
    if (value === undefined) continue;
    if (dataset.kind !== 'text') throw new Error(`--${flag}: expected your own text data (--text FILE) with it, got no text file`);
    dataset[field] = value;
  }
  const maxLength = numberFlag(values['max-length'], 'max-length');
  if (maxLength !== undefined) {
    if (!isTextDataset({ kind: String(dataset.kind), name: dataset.name === undefined ? undefined : String(dataset.name) })) {
      throw new Error('--max-length: applies to text data (--data spamassassin or --text FILE), not to images or features');
    }
    dataset.maxLength = maxLength;
    data.dataset = dataset;
  }
}

/**
 * A config from an optional JSON file, or from `base` (the demo's), with command-line flags laid
 * over it (flags win).
 */
export function configFromArgs(args: string[], base?: ExperimentConfigInput): { config: ExperimentConfigInput; runsDir?: string; configFile?: string; runDir?: string; baseDir?: string } {
  const { values, positionals } = parseArgs({ args, options: RUN_OPTIONS, allowPositionals: true, strict: true });
  if (positionals.length > (base ? 0 : 1)) throw new Error(`unexpected argument${positionals.length > 1 ? 's' : ''}: ${positionals.slice(base ? 0 : 1).join(' ')}`);
  const configFile = positionals[0];
  let config: Json = base ? (structuredClone(base) as Json) : {};
  if (configFile) config = readConfigFile(configFile);
  const set = (path: string[], value: unknown) => {
    if (value === undefined) return;
    let node = config;
    path.slice(0, -1).forEach((key, i) => (node = objectAt(node, key, path.slice(0, i + 1))));
    node[path[path.length - 1]] = value;
  };
  if (values.method) {
    const current = (config.method as Json | undefined) ?? {};
    config.method = current.name === values.method ? current : { name: values.method };
  }
  set(['teacher', 'model'], values.teacher && parseModelFlag(values.teacher, 'teacher'));
  set(['student', 'model'], values.student && parseModelFlag(values.student, 'student'));
  set(['teacher', 'checkpoint'], values['teacher-checkpoint']);
  set(['teacher', 'train', 'epochs'], numberFlag(values['teacher-epochs'], 'teacher-epochs'));
  set(['train', 'epochs'], numberFlag(values.epochs, 'epochs'));
  set(['train', 'batchSize'], numberFlag(values['batch-size'], 'batch-size'));
  set(['train', 'learningRate'], numberFlag(values.lr, 'lr'));
  set(['train', 'optimizer'], values.optimizer && { kind: values.optimizer });
  set(['train', 'maxStepsPerEpoch'], numberFlag(values['max-steps'], 'max-steps'));
  set(['train', 'threads'], values.threads === 'auto' ? availableParallelism() : numberFlag(values.threads, 'threads'));
  for (const key of ['temperature', 'alpha'] as const) {
    const value = numberFlag(values[key], key);
    if (value === undefined) continue;
    const name = ((config.method as Json | undefined)?.name as string | undefined) ?? 'kd';
    if (!methodHasParameter(name, key)) throw new Error(`--${key}: method "${name}" has no parameter "${key}"`);
    set(['method', key], value);
  }
  set(['recipe'], values.recipe);
  set(['seed'], numberFlag(values.seed, 'seed'));
  set(['backend'], values.backend);
  set(['name'], values.name);
  setDataset(config, values);
  set(['data', 'limitTrain'], numberFlag(values['limit-train'], 'limit-train'));
  set(['data', 'limitValidation'], numberFlag(values['limit-validation'], 'limit-validation'));
  set(['data', 'limitTest'], numberFlag(values['limit-test'], 'limit-test'));
  if (values['no-baseline']) config.baseline = false;
  for (const flag of values.set ?? []) {
    const { path, value } = parseSetFlag(flag);
    set(path, value);
  }
  // Method parameters given without a method refine the default method.
  const method = config.method as Json | undefined;
  if (method && method.name === undefined) method.name = 'kd';
  return { config: config as ExperimentConfigInput, runsDir: values['runs-dir'], configFile, runDir: values['run-dir'], baseDir: values['base-dir'] };
}
