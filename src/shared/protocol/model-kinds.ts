// Checks across fields that no single schema can make: the models fit the data (a transformer
// reads token ids, so not images; its rows hold the data's) and the method fits the models (AT,
// SAD and FitNets read image feature maps, not transformers). An image teacher or student given
// with text data is left to the run start (runStartModelProblems; a config may name one, e.g. the demo's with --data); a
// method's own image models on text (multi-teacher's teachers) are refused. Run on a parsed config, so the CLI, the form
// and the extension refuse such a config before any run starts, with the run-time wording.
import { methodNamed, modelKindProblem, usesStudent, usesTeacher } from '../methods';
import type { ExperimentConfigInput } from './config';
import { BUILTIN_TEXT_DATASET, DEFAULT_TEXT_LENGTH, isTextDataset, type DatasetSpec } from './dataset-spec';
import { transformerSpecError, type ModelSpec, type ModelSpecInput } from './model-spec';

/**
 * The models a config gets when it names a text data set and leaves a model out: the image
 * defaults (a CNN teacher, an MLP student) cannot read token ids. The teacher is the schema's
 * transformer (4 × 128, 4 heads, as the estimate); the student half as deep and as wide,
 * so DistilBERT's initialisation from every other teacher layer applies.
 */
export const TEXT_MODEL_DEFAULTS: { teacher: ModelSpecInput; student: ModelSpecInput } = {
  teacher: { arch: 'transformer', layers: 4, hidden: 128, heads: 4 },
  student: { arch: 'transformer', layers: 2, hidden: 128, heads: 4 },
};

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A method's fields whose schema default is an image model, as they default on text: the
 * multi-teacher ensemble's extra teacher (an MLP beside the CNN teacher on images, for diversity)
 * is on text a second transformer of the teacher's architecture (trained from its own seed) — or
 * of the text default teacher's, when the teacher given is not a transformer. Empty for the other
 * methods (their model fields default to the teacher or the student). For the config parse and the form.
 */
export function textMethodDefaults(methodName: unknown, teacherModel: unknown): Loose {
  if (methodName !== 'multi-teacher') return {};
  const teacher = isObject(teacherModel) && teacherModel.arch === 'transformer' ? teacherModel : TEXT_MODEL_DEFAULTS.teacher;
  return { teachers: [teacher] };
}

/**
 * The input with transformers where it names a text data set and leaves the teacher's or the
 * student's model out, and with the method's text defaults (textMethodDefaults) where it leaves
 * those fields out.
 */
export function withTextModelDefaults(input: unknown): unknown {
  if (!isObject(input) || !isObject(input.data) || !isObject(input.data.dataset)) return input;
  const { kind, name } = input.data.dataset;
  if (!isTextDataset({ kind: String(kind), name: name === undefined ? undefined : String(name) })) return input;
  const config: Loose = { ...input };
  for (const role of ['teacher', 'student'] as const) {
    const part = config[role] ?? {};
    if (isObject(part) && part.model === undefined) config[role] = { ...part, model: TEXT_MODEL_DEFAULTS[role] };
  }
  const method = config.method;
  if (isObject(method) && isObject(config.teacher)) {
    const defaults = Object.entries(textMethodDefaults(method.name, config.teacher.model)).filter(([key]) => method[key] === undefined);
    if (defaults.length > 0) config.method = { ...method, ...Object.fromEntries(defaults) };
  }
  return config as ExperimentConfigInput;
}

/** What kind of input a model reads. */
const kindOf = (model: ModelSpec): 'text' | 'image' => (model.arch === 'transformer' ? 'text' : 'image');

interface Parsed {
  data: { dataset: DatasetSpec };
  teacher: { model: ModelSpec; checkpoint?: string };
  student: { model: ModelSpec };
  method: { name: string } & Loose;
}

/** Every model a run of this config builds, with the field that chose it. */
function modelsOf(config: Parsed): { field: string; model: ModelSpec }[] {
  const models: { field: string; model: ModelSpec }[] = [];
  // A loaded teacher's architecture is known only once its model.json is read (checked at run start).
  if (usesTeacher(config.method) && config.teacher.checkpoint === undefined) models.push({ field: 'config.teacher.model', model: config.teacher.model });
  if (usesStudent(config.method)) models.push({ field: 'config.student.model', model: config.student.model });
  const descriptor = methodNamed(config.method.name);
  for (const [key, help] of Object.entries(descriptor?.params ?? {})) {
    const value = config.method[key];
    if (help.kind === 'model' && isObject(value)) models.push({ field: `config.method.${key}`, model: value as ModelSpec });
    if (help.kind === 'models' && Array.isArray(value)) value.forEach((model, i) => models.push({ field: `config.method.${key}.${i}`, model: model as ModelSpec }));
  }
  return models;
}

function dataName(dataset: DatasetSpec): string {
  return dataset.kind === 'builtin' ? `the built-in set "${dataset.name}"` : `data of kind "${dataset.kind}"`;
}

/** The text rows' length: the data set's maxLength, else the default. */
function textLength(dataset: DatasetSpec): number {
  return ('maxLength' in dataset ? dataset.maxLength : undefined) ?? DEFAULT_TEXT_LENGTH;
}

const imageOnText = (field: string, model: ModelSpec, dataset: DatasetSpec) =>
  `${field}.arch: ${model.arch} reads images or features, but data.dataset is ${dataName(dataset)} (token ids); choose transformer`;

/**
 * What the run start refuses that the parse leaves to it: an image teacher or student on a text
 * data set (it would train on token ids as if they were pixels). Each as `config.<field>: …`.
 */
export function runStartModelProblems(config: Parsed): string[] {
  if (!isTextDataset(config.data.dataset)) return [];
  return modelsOf(config)
    .filter(({ field, model }) => !field.startsWith('config.method.') && model.arch !== 'transformer')
    .map(({ field, model }) => imageOnText(field, model, config.data.dataset));
}

/** Problems of a parsed config across its fields, each as `config.<field>: …` (empty when it fits together). */
export function modelKindProblems(config: Parsed): string[] {
  const problems: string[] = [];
  const dataset = config.data.dataset;
  const text = isTextDataset(dataset);
  const models = modelsOf(config);
  for (const { field, model } of models) {
    if (model.arch !== 'transformer' && text && field.startsWith('config.method.')) {
      // A method's own models are refused here; the teacher's and the student's are left to the run (see above).
      const key = field.split('.')[2];
      const fallback = key in textMethodDefaults(config.method.name, config.teacher.model) ? `, or leave method.${key} out (on text it defaults to the teacher's transformer)` : '';
      problems.push(`${imageOnText(field, model, dataset)}${fallback}`);
    } else if (model.arch === 'transformer' && !text) {
      problems.push(
        `${field}.arch: a transformer reads token ids from a text data set (builtin "${BUILTIN_TEXT_DATASET}" or kind "text"), but data.dataset is ${dataName(dataset)}; for images choose mlp, cnn or resnet`,
      );
    } else if (model.arch === 'transformer' && transformerSpecError(model)) {
      problems.push(`${field}.${transformerSpecError(model)}`);
    } else if (model.arch === 'transformer' && textLength(dataset) > model.maxLength) {
      problems.push(`${field}.maxLength: expected at least the data's maxLength (${textLength(dataset)} tokens a row), got ${model.maxLength}; raise it or lower data.dataset.maxLength`);
    }
  }
  // The method's own refusal of a transformer (AT, SAD, FitNets), in the words the run start uses,
  // once. MiniLM with image models is left to the run start: every method's defaults parse with
  // the default (image) models, which the form's method table relies on.
  const transformer = models.find(({ model }) => kindOf(model) === 'text');
  const problem = transformer && modelKindProblem(config.method.name, 'text');
  if (transformer && problem) problems.push(`config.method.name: ${problem} (${transformer.field} is a transformer)`);
  return problems;
}
