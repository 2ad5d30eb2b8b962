// A study (DESIGN §7): a base experiment config plus axes — methods, seeds, a grid of config
// fields and an optional random search — saved as study.json in the study's folder. Parsed here;
// expanded into member runs by src/shared/study/expand.ts.
import { z } from 'zod';
import { ConfigError, describeIssue, nonFiniteProblems } from './config-errors';
import { ExperimentName } from './config';
import { METHOD_LIST, methodNamed } from '../methods';

export const STUDY_FILE = 'study.json';

/** Far more members than one machine or one cluster allocation trains; catches a grid that multiplies out by mistake. */
export const MAX_STUDY_MEMBERS = 5000;

/** A range a random search samples, uniformly (or log-uniformly), as a real or an integer. */
export const StudyRange = z
  .object({
    min: z.number(),
    max: z.number(),
    /** Sample log-uniformly (learning rates, weights spanning decades); both ends must be above 0. */
    log: z.boolean().default(false),
    integer: z.boolean().default(false),
  })
  .strict();
export type StudyRange = z.infer<typeof StudyRange>;

const FieldPath = z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'expected a config field path such as "method.temperature"');

/** A method of the study: its name, or its name with parameters that differ from the defaults. */
export const StudyMethod = z.union([z.string().min(1), z.object({ name: z.string().min(1) }).passthrough()]);
export type StudyMethod = z.infer<typeof StudyMethod>;

const oneLine = (what: string) =>
  z
    .string()
    .min(1)
    .regex(/^[^\r\n]*$/, `expected ${what} on one line`);

/**
 * How a study runs on a Slurm cluster (`distill-lab study … --executor slurm`): the `#SBATCH`
 * options of its array job. Each member is one array task running `distill-lab run` on a node.
 */
export const SlurmOptions = z
  .object({
    partition: z
      .string()
      .regex(/^[A-Za-z0-9_.,-]+$/, 'expected a partition name such as "gpu" (or several, comma-separated)')
      .optional(),
    /** Each task's time limit, as sbatch's --time takes it. */
    time: z
      .string()
      .regex(/^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$/, 'expected a Slurm time limit such as "30" (minutes), "2:00:00" or "1-12:00:00"')
      .optional(),
    cpusPerTask: z.number().int().min(1).max(1024).optional(),
    /** Memory per node, as sbatch's --mem takes it: "4G", "16000M". */
    mem: z
      .string()
      .regex(/^\d+[KMGT]?$/i, 'expected a memory size such as "4G" or "16000M"')
      .optional(),
    /** GPUs per task, for nodes where @tensorflow/tfjs-node-gpu is installed (`distill-lab backend install --gpu`). */
    gpus: z.number().int().min(1).max(64).optional(),
    /** The GPU type of `gpus` (`--gpus=a100:1`). */
    gpuType: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected a GPU type such as "a100"')
      .optional(),
    account: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected an account name')
      .optional(),
    /** At most this many members run at once (the array's `%N`). */
    maxParallel: z.number().int().min(1).max(10000).optional(),
    /** Further `#SBATCH` lines, written as given, e.g. "#SBATCH --qos=short". */
    extra: z.array(z.string().regex(/^#SBATCH\s+-\S[^\r\n]*$/, 'expected one line starting with "#SBATCH -", e.g. "#SBATCH --qos=short"')).default([]),
    /** Shell lines each task runs before training, e.g. "module load nodejs/20". */
    setup: z.array(oneLine('a shell command')).default([]),
    /** The Node.js binary on the nodes (default: the one that submits). */
    node: oneLine('a path').optional(),
  })
  .strict();
export type SlurmOptions = z.infer<typeof SlurmOptions>;
export type SlurmOptionsInput = z.input<typeof SlurmOptions>;

export const StudyConfig = z
  .object({
    /** The study's folder under the runs folder (the next free `<name>-N` if taken); its members are runs of this experiment. */
    name: ExperimentName.default('study'),
    /** The experiment config every member starts from (see config.ts); not its `method`: that is the `methods` axis. */
    base: z.record(z.unknown()).default({}),
    methods: z.array(StudyMethod).min(1),
    /** Each seed trains its own scratch baseline and, from the same initial weights, every method's student. */
    seeds: z.array(z.number().int().nonnegative()).min(1),
    /** Config field path → the values to try; every combination is tried (with every method and seed). */
    grid: z.record(FieldPath, z.array(z.unknown()).min(1)).default({}),
    /** A random search over ranges: `budget` draws from `seed`, each combined with every grid combination. */
    random: z
      .object({
        budget: z.number().int().positive().max(MAX_STUDY_MEMBERS),
        seed: z.number().int().nonnegative().default(0),
        fields: z.record(FieldPath, StudyRange),
      })
      .strict()
      .optional(),
    /** The `#SBATCH` options when the study runs on a Slurm cluster (`--executor slurm`); ignored by the local pool. */
    slurm: SlurmOptions.optional(),
    /** Where relative paths of `base` (data sets, a teacher checkpoint) resolve: written when the study is saved. */
    baseDir: z.string().min(1).optional(),
  })
  .strict();
export type StudyConfig = z.infer<typeof StudyConfig>;
export type StudyConfigInput = z.input<typeof StudyConfig>;

export class StudyError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.message = `Invalid study:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    this.name = 'StudyError';
  }
}

/**
 * Fields a grid or a random search may vary. The teacher and the data are the study's, shared by
 * every member (the teacher is trained once); the seed and the method are axes of their own.
 */
const SWEEPABLE_ROOTS = ['method', 'train', 'student', 'recipe', 'predictionSamples'];

const quoted = (value: unknown) => JSON.stringify(value);

/** Problems of the axes the schema cannot see: a method or field that does not exist, a seed twice, a range the wrong way round. */
function axisProblems(study: StudyConfig): string[] {
  const problems: string[] = [];
  if ('method' in study.base) problems.push("study.base.method: a study's methods are its `methods` axis; give them there");
  if (study.base.baseline === false) problems.push('study.base.baseline: a study pairs every method with its scratch baseline; it cannot be false');
  if ('seed' in study.base && typeof study.base.seed !== 'number') problems.push(`study.base.seed: expected a number (the teacher's seed), got ${quoted(study.base.seed)}`);
  const names = study.methods.map((m) => (typeof m === 'string' ? m : m.name));
  names.forEach((name, i) => {
    if (!methodNamed(name))
      problems.push(
        `study.methods.${i}: expected one of ${METHOD_LIST.filter((m) => m.name !== 'teacher' && m.name !== 'scratch')
          .map((m) => quoted(m.name))
          .join(', ')}, got ${quoted(name)}`,
      );
    else if (name === 'teacher' || name === 'scratch')
      problems.push(`study.methods.${i}: "${name}" is part of every study (the shared teacher, the scratch baseline of each seed); list the methods to compare with them`);
  });
  const listed = new Map<string, number>();
  study.methods.forEach((method, i) => {
    const text = JSON.stringify(typeof method === 'string' ? { name: method } : method);
    if (listed.has(text)) problems.push(`study.methods.${i}: the same method as study.methods.${listed.get(text)}`);
    else listed.set(text, i);
  });
  const seen = new Set<number>();
  study.seeds.forEach((seed, i) => {
    if (seen.has(seed)) problems.push(`study.seeds.${i}: seed ${seed} is listed twice`);
    seen.add(seed);
  });
  const checkPath = (path: string, where: string) => {
    const [root, key] = path.split('.');
    if (!SWEEPABLE_ROOTS.includes(root)) {
      problems.push(
        `${where}: cannot vary "${path}": a study varies ${SWEEPABLE_ROOTS.map((r) => `${r}${r === 'recipe' || r === 'predictionSamples' ? '' : '.…'}`).join(', ')} (the teacher and the data are shared by every member; seeds and methods are axes of their own)`,
      );
    } else if (path === 'method' || path === 'method.name') {
      problems.push(`${where}: the methods are the \`methods\` axis, not a field to vary`);
    } else if (root === 'method' && !names.some((name) => methodNamed(name)?.schema.shape[key as never] !== undefined)) {
      problems.push(`${where}: none of the study's methods (${names.join(', ')}) has a parameter "${key}"`);
    }
  };
  for (const path of Object.keys(study.grid)) checkPath(path, `study.grid.${path}`);
  for (const [path, range] of Object.entries(study.random?.fields ?? {})) {
    const where = `study.random.fields.${path}`;
    checkPath(path, where);
    if (path in study.grid) problems.push(`${where}: "${path}" is in the grid too; vary it one way`);
    if (!(range.min < range.max)) problems.push(`${where}: expected min below max, got ${range.min} and ${range.max}`);
    if (range.log && range.min <= 0) problems.push(`${where}.min: a log range must start above 0, got ${range.min}`);
    if (range.integer && (!Number.isInteger(range.min) || !Number.isInteger(range.max))) problems.push(`${where}: an integer range needs integer ends, got ${range.min} and ${range.max}`);
  }
  if (study.random && Object.keys(study.random.fields).length === 0) problems.push('study.random.fields: expected at least one field to sample');
  if (study.slurm?.gpuType && !study.slurm.gpus) problems.push('study.slurm.gpuType: give study.slurm.gpus (how many) with it');
  return problems;
}

/** Parses a study and checks its axes, or throws a StudyError naming each bad field (`study.seeds.[1]: …`). */
export function parseStudy(input: unknown): StudyConfig {
  const result = StudyConfig.safeParse(input);
  const nonFinite = nonFiniteProblems(input, result.success ? [] : result.error.issues.map((issue) => issue.path)).map((p) => p.replace(/^config/, 'study'));
  if (!result.success) {
    throw new StudyError([...result.error.issues.map((issue) => describeIssue(issue, input).replace(/^config/, 'study')), ...nonFinite]);
  }
  const problems = [...nonFinite, ...axisProblems(result.data)];
  if (problems.length) throw new StudyError(problems);
  return result.data;
}
