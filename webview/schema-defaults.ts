// Defaults read from the config schema itself, so the form never keeps a second copy of them.
import { z } from 'zod';
import { getAt } from './form-model';

/** The `.default(…)` values a zod object declares, e.g. `{ temperature: 4, alpha: 0.9 }`. */
export function declaredDefaults(schema: z.ZodTypeAny): Record<string, unknown> {
  if (!(schema instanceof z.ZodObject)) return {};
  const defaults: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
    if (field instanceof z.ZodDefault) defaults[key] = field._def.defaultValue();
  }
  return defaults;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDiscriminatedUnion = z.ZodDiscriminatedUnion<string, any>;

/** The variants of a discriminated union, e.g. ['mlp', 'cnn', 'resnet'] for ModelSpec's `arch`. */
export function variantNames(union: AnyDiscriminatedUnion): string[] {
  return [...union.optionsMap.keys()].map(String);
}

/** `{ [discriminator]: value, ...its defaults }`, e.g. `{ arch: 'mlp', hidden: [256, 256] }`. */
export function variantDefaults(union: AnyDiscriminatedUnion, value: string): Record<string, unknown> {
  const variant = union.optionsMap.get(value);
  return { ...(variant ? declaredDefaults(variant) : {}), [union.discriminator]: value };
}

/** The keys a variant accepts besides the discriminator. */
export function variantKeys(union: AnyDiscriminatedUnion, value: string): string[] {
  const variant = union.optionsMap.get(value);
  return variant instanceof z.ZodObject ? Object.keys(variant.shape).filter((k) => k !== union.discriminator) : [];
}

/** The values a field may take when the schema lists them (an enum or a union of literals), else undefined. */
export function literalChoices(schema: z.ZodTypeAny | undefined): (string | number)[] | undefined {
  let node = schema;
  while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node instanceof z.ZodDefault ? node._def.innerType : node.unwrap();
  if (node instanceof z.ZodEnum) return [...node.options];
  if (node instanceof z.ZodUnion && node.options.every((o: z.ZodTypeAny) => o instanceof z.ZodLiteral)) return node.options.map((o: z.ZodLiteral<string | number>) => o.value);
  return undefined;
}

/** A field of one variant, e.g. ModelSpec 'resnet' → 'depth'. */
export function variantField(union: AnyDiscriminatedUnion, value: string, key: string): z.ZodTypeAny | undefined {
  const variant = union.optionsMap.get(value);
  return variant instanceof z.ZodObject ? (variant.shape as Record<string, z.ZodTypeAny>)[key] : undefined;
}

function unwrap(node: z.ZodTypeAny): z.ZodTypeAny {
  while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node instanceof z.ZodDefault ? node._def.innerType : node.unwrap();
  return node;
}

/** The default a field declares (`.default(…)`), if any. */
export function defaultOf(node: z.ZodTypeAny | undefined): unknown {
  return node instanceof z.ZodDefault ? node._def.defaultValue() : undefined;
}

/**
 * The schema of the field at a dotted path, e.g. `train.optimizer.beta1`. A discriminated union
 * on the way is resolved by the value the config has (`train.optimizer.kind`), or by its default.
 */
export function fieldSchema(root: z.ZodTypeAny, path: string, config: unknown): z.ZodTypeAny | undefined {
  const keys = path.split('.');
  let node: z.ZodTypeAny | undefined = root;
  for (let i = 0; i < keys.length && node; i++) {
    const fallback = defaultOf(node);
    let inner = unwrap(node);
    if (inner instanceof z.ZodDiscriminatedUnion) {
      const discriminator = inner.discriminator as string;
      const tag = valueAt(config, [...keys.slice(0, i), discriminator]) ?? (fallback as Record<string, unknown> | undefined)?.[discriminator];
      if (keys[i] === discriminator) return inner.optionsMap.get(tag as string)?.shape?.[discriminator] ?? z.string();
      const variant: z.ZodTypeAny | undefined = inner.optionsMap.get(tag as string);
      if (!variant) return undefined;
      inner = variant;
    }
    node = inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodTypeAny>)[keys[i]] : undefined;
  }
  return node;
}

/** The variant a union field shows: the config's, else the schema's default one. */
export function variantOf(root: z.ZodTypeAny, path: string, discriminator: string, config: unknown): string | undefined {
  const own = valueAt(config, [...path.split('.'), discriminator]);
  if (own !== undefined) return String(own);
  const fallback = defaultOf(fieldSchema(root, path, config)) as Record<string, unknown> | undefined;
  return fallback?.[discriminator] === undefined ? undefined : String(fallback[discriminator]);
}

function valueAt(root: unknown, keys: string[]): unknown {
  return getAt(root, keys.join('.'));
}
