// Text or images: which the form's config is about, and how it follows a change of data set or
// method — models, augmentation and data switch together, so a choice never leaves the form with
// a transformer on images or a CNN on tokens. Pure (edits the form's config in place).
import { DEMO_TEXT_CONFIG } from '../src/cli/demo-config';
import { modelKindProblem, type ModelKind } from '../src/shared/methods';
import { BUILTIN_DATASET, ExperimentConfig, isTextDataset, textMethodDefaults } from '../src/shared/protocol';
import { getAt, setAt, type FormConfig } from './form-model';
import { methodDescriptor } from './methods';
import { formatModels } from './model-text';
import { variantOf } from './schema-defaults';

export type { ModelKind };

const MODEL_ROLES = ['teacher', 'student'] as const;

/** The kind of data a dataset field names; no data set given is the schema's default (images). */
export function dataKindOf(config: FormConfig, path = 'data.dataset'): ModelKind {
  const spec = getAt(config, path);
  if (spec === null || typeof spec !== 'object') return 'image';
  const { kind, name } = spec as { kind?: unknown; name?: unknown };
  return isTextDataset({ kind: String(kind), name: name === undefined ? undefined : String(name) }) ? 'text' : 'image';
}

/** Whether an architecture reads this kind of data: a transformer token ids, the others images and features. */
export function archFits(arch: string, kind: ModelKind): boolean {
  return (arch === 'transformer') === (kind === 'text');
}

/**
 * Models that do not read this kind of data are replaced — on text by the text demo's
 * transformers, on images by the schema's defaults — and augmentation goes for text. Says what
 * changed, for the note the form shows.
 */
export function fitToData(config: FormConfig, kind: ModelKind): string[] {
  const changed: string[] = [];
  for (const role of MODEL_ROLES) {
    const arch = variantOf(ExperimentConfig, `${role}.model`, 'arch', config) ?? '';
    if (archFits(arch, kind)) continue;
    setAt(config, `${role}.model`, kind === 'text' ? structuredClone(DEMO_TEXT_CONFIG[role]?.model) : undefined);
    changed.push(`the ${role} is now ${kind === 'text' ? 'a transformer' : `the default ${variantOf(ExperimentConfig, `${role}.model`, 'arch', config)}`}`);
  }
  if (kind === 'text' && getAt(config, 'train.augment') !== undefined) {
    setAt(config, 'train.augment', undefined);
    changed.push('image augmentation is off');
  }
  return [...changed, ...fitMethodModels(config, kind)];
}

/**
 * The method's own models (multi-teacher's extra teachers, DML's peers, born-again's generation)
 * that do not read this kind of data go back to their default, which does (on text, multi-teacher's
 * is the teacher's transformer). Says what changed, for the form's note.
 */
export function fitMethodModels(config: FormConfig, kind: ModelKind): string[] {
  const name = getAt(config, 'method.name');
  const changed: string[] = [];
  for (const param of (typeof name === 'string' ? methodDescriptor(name)?.params : undefined) ?? []) {
    if (param.kind !== 'models' && param.kind !== 'model') continue;
    const path = `method.${param.key}`;
    const value = getAt(config, path);
    const models: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (models.every((model) => archFits(String((model as { arch?: unknown } | null)?.arch), kind))) continue;
    setAt(config, path, undefined);
    const fallback = fieldDefault(config, path, undefined);
    changed.push(`${param.label.toLowerCase()} ${fallback === undefined ? 'are back to their default' : `are now ${formatModels(fallback)} (the default on ${kind === 'text' ? 'text' : 'images'})`}`);
  }
  return changed;
}

/** A field's default as the config parse resolves it for this config: on text a method's text default (textMethodDefaults), else `schemaDefault`. */
export function fieldDefault(config: FormConfig, path: string, schemaDefault: unknown): unknown {
  if (!path.startsWith('method.') || dataKindOf(config) !== 'text') return schemaDefault;
  const defaults = textMethodDefaults(getAt(config, 'method.name'), getAt(config, 'teacher.model'));
  const key = path.slice('method.'.length);
  return key in defaults ? defaults[key] : schemaDefault;
}

/** The data set a switch to this kind picks: the built-in text set as the text demo sizes it, or the built-in images. */
export function builtinDataset(kind: ModelKind): Record<string, unknown> {
  return kind === 'text' ? structuredClone(DEMO_TEXT_CONFIG.data?.dataset as Record<string, unknown>) : { kind: 'builtin', name: BUILTIN_DATASET };
}

/**
 * After a method was picked: when it does not take the current kind of models but takes the other
 * (MiniLM on images, AT on text), data and models switch to the other kind; otherwise its own
 * models that do not fit go back to their default (fitMethodModels). Returns the note to show, or
 * undefined when nothing changed.
 */
export function fitToMethod(config: FormConfig, method: string, label: string): string | undefined {
  const kind = dataKindOf(config);
  const other: ModelKind = kind === 'text' ? 'image' : 'text';
  if (!modelKindProblem(method, kind) || modelKindProblem(method, other)) {
    // The method stays on this kind of data; its own models' image defaults (multi-teacher's MLP) give way on text.
    const changed = fitMethodModels(config, kind);
    return changed.length ? `For ${kind === 'text' ? 'text' : 'images'}: ${changed.join(', ')}.` : undefined;
  }
  setAt(config, 'data.dataset', builtinDataset(other));
  const changed = fitToData(config, other);
  return `${label} needs ${other === 'text' ? 'text models' : 'image models'}: the data set is now the built-in ${other === 'text' ? 'text set' : 'Fashion-MNIST subset'}${changed.length ? `, ${changed.join(', ')}` : ''}.`;
}
