import type { ModelSpec } from '../shared/protocol';

/** `mlp:512,512`, `cnn:32,64`, `cnn:32,64+fc128`, `resnet8`, `resnet32x4` → a model spec (validated later by the schema). */
export function parseModelFlag(flag: string, field: string): ModelSpec {
  const text = flag.trim().toLowerCase();
  const list = (s: string | undefined, fallback: number[]) => (s ? s.split(',').map((v) => Number(v)) : fallback);
  let match = /^mlp(?::([\d,]+))?$/.exec(text);
  if (match) return { arch: 'mlp', hidden: list(match[1], [256, 256]) };
  match = /^cnn(?::([\d,]+))?(?:\+fc(\d+))?$/.exec(text);
  if (match) return { arch: 'cnn', widths: list(match[1], [32, 64]), dense: Number(match[2] ?? 0) };
  match = /^resnet(\d+)(?:x(\d+))?$/.exec(text);
  if (match) return { arch: 'resnet', depth: Number(match[1]) as 8, widthMultiplier: Number(match[2] ?? 1) };
  throw new Error(`--${field}: expected mlp[:h1,h2,…], cnn[:w1,w2,…][+fcN] or resnet<depth>[x<width>], got "${flag}"`);
}
