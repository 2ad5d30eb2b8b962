// Text or images: which the form's config is about, and how it follows a change of data set or
// method — models, augmentation and data switch together, so a choice never leaves the form with
// a transformer on images or a CNN on tokens. Pure (edits the form's config in place).
import { DEMO_TEXT_CONFIG } from '../src/cli/demo-config';
import { modelKindProblem, type ModelKind } from '../src/shared/methods';
import { BUILTIN_DATASET, ExperimentConfig, isTextDataset } from '../src/shared/protocol';
import { getAt, setAt, type FormConfig } from './form-model';
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
  return changed;
}

/** The data set a switch to this kind picks: the built-in text set as the text demo sizes it, or the built-in images. */
export function builtinDataset(kind: ModelKind): Record<string, unknown> {
  return kind === 'text' ? structuredClone(DEMO_TEXT_CONFIG.data?.dataset as Record<string, unknown>) : { kind: 'builtin', name: BUILTIN_DATASET };
}

/**
 * After a method was picked: when it does not take the current kind of models but takes the other
 * (MiniLM on images, AT on text), data and models switch to the other kind. Returns the note to
 * show, or undefined when nothing changed.
 */
export function fitToMethod(config: FormConfig, method: string, label: string): string | undefined {
  const kind = dataKindOf(config);
  const other: ModelKind = kind === 'text' ? 'image' : 'text';
  if (!modelKindProblem(method, kind) || modelKindProblem(method, other)) return undefined;
  setAt(config, 'data.dataset', builtinDataset(other));
  const changed = fitToData(config, other);
  return `${label} needs ${other === 'text' ? 'text models' : 'image models'}: the data set is now the built-in ${other === 'text' ? 'text set' : 'Fashion-MNIST subset'}${changed.length ? `, ${changed.join(', ')}` : ''}.`;
}
