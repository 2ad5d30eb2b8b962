import type { ModelSpecInput } from '../shared/protocol';

/**
 * `mlp:512,512`, `cnn:32,64`, `cnn:32,64+fc128`, `resnet8`, `resnet32x4`, `transformer`,
 * `transformer:4x256h4` (layers × hidden, heads), `transformer:4x256h4i512` (feed-forward width)
 * → a model spec (validated later by the schema).
 */
export function parseModelFlag(flag: string, field: string): ModelSpecInput {
  const text = flag.trim().toLowerCase();
  const list = (s: string | undefined, fallback: number[]) => (s ? s.split(',').map((v) => Number(v)) : fallback);
  let match = /^mlp(?::([\d,]+))?$/.exec(text);
  if (match) return { arch: 'mlp', hidden: list(match[1], [256, 256]) };
  match = /^cnn(?::([\d,]+))?(?:\+fc(\d+))?$/.exec(text);
  if (match) return { arch: 'cnn', widths: list(match[1], [32, 64]), dense: Number(match[2] ?? 0) };
  match = /^resnet(\d+)(?:x(\d+))?$/.exec(text);
  if (match) return { arch: 'resnet', depth: Number(match[1]) as 8, widthMultiplier: Number(match[2] ?? 1) };
  match = /^transformer(?::(\d+)x(\d+)h(\d+)(?:i(\d+))?)?$/.exec(text);
  if (match) {
    if (!match[1]) return { arch: 'transformer' };
    const [layers, hidden, heads] = [match[1], match[2], match[3]].map(Number);
    if (hidden % heads !== 0) throw new Error(`--${field}: transformer hidden size ${hidden} is not a multiple of its ${heads} heads, in "${flag}"`);
    return { arch: 'transformer', layers, hidden, heads, ...(match[4] ? { intermediate: Number(match[4]) } : {}) };
  }
  throw new Error(`--${field}: expected mlp[:h1,h2,…], cnn[:w1,w2,…][+fcN], resnet<depth>[x<width>] or transformer[:<layers>x<hidden>h<heads>[i<feed-forward>]], got "${flag}"`);
}
