// Models written as the CLI's --teacher/--student flags (`mlp:256,256`, `cnn:32,64+fc128`,
// `resnet32x4`, `transformer:4x256h4`), for method parameters that hold one model or a list of them.
import { parseModelFlag } from '../src/cli/model-flag';
import type { ModelSpec, ModelSpecInput } from '../src/shared/protocol';

export function formatModel(spec: unknown): string {
  const model = spec as Partial<ModelSpec> & Record<string, unknown>;
  if (!model || typeof model !== 'object') return String(spec ?? '');
  const list = (value: unknown) => (Array.isArray(value) ? `:${value.join(',')}` : '');
  switch (model.arch) {
    case 'mlp':
      return `mlp${list(model.hidden)}`;
    case 'cnn':
      return `cnn${list(model.widths)}${model.dense ? `+fc${model.dense}` : ''}`;
    case 'resnet':
      return `resnet${model.depth ?? 8}${model.widthMultiplier && model.widthMultiplier !== 1 ? `x${model.widthMultiplier}` : ''}`;
    case 'transformer':
      // The shorthand holds layers × hidden and heads (and the feed-forward width); other fields need the JSON.
      if (model.layers === undefined || model.hidden === undefined || model.heads === undefined || model.maxLength !== undefined || model.dropout !== undefined) return JSON.stringify(spec);
      return `transformer:${model.layers}x${model.hidden}h${model.heads}${model.intermediate ? `i${model.intermediate}` : ''}`;
    default:
      return JSON.stringify(spec);
  }
}

/** One model; text that is not a model stays text, so the schema says what is wrong. */
export function parseModel(text: string): ModelSpecInput | string | undefined {
  if (text.trim() === '') return undefined;
  try {
    return parseModelFlag(text, 'model');
  } catch {
    return text.trim();
  }
}

/** Models separated by `;`, e.g. `mlp:256,256; cnn:16,32`. */
export function parseModels(text: string): (ModelSpecInput | string)[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => parseModel(part) as ModelSpecInput | string);
}

export function formatModels(value: unknown): string {
  return Array.isArray(value) ? value.map(formatModel).join('; ') : formatModel(value);
}
