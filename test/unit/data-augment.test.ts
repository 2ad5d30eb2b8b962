import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentImages } from '../../src/core/data/augment';

// A 4×5 image with 2 channels whose value names its position: v(r, c, ch) = 100·r + 10·c + ch + 1.
const H = 4;
const W = 5;
const C = 2;
const value = (r: number, c: number, ch: number) => 100 * r + 10 * c + ch + 1;
const image = () => Float32Array.from({ length: H * W * C }, (_, i) => value(Math.floor(i / (W * C)), Math.floor(i / C) % W, i % C));
const PAD = [-7, -9];

/** torchvision's RandomCrop(padding=p) at top-left (i, j) of the padded image, then an optional mirror — written from its definition. */
function expected(i: number, j: number, p: number, flip: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const cropped = flip ? W - 1 - c : c;
      const pr = r + i - p;
      const pc = cropped + j - p;
      for (let ch = 0; ch < C; ch++) out.push(pr >= 0 && pr < H && pc >= 0 && pc < W ? value(pr, pc, ch) : PAD[ch]);
    }
  }
  return out;
}

test('every augmented sample is one of the (2p+1)² crops of the padded image, mirrored or not; every crop and both flips occur', () => {
  const p = 2;
  const n = 400;
  const x = new Float32Array(n * H * W * C);
  for (let s = 0; s < n; s++) x.set(image(), s * H * W * C);
  augmentImages(x, n, [H, W, C], { cropPadding: p, horizontalFlip: true, padValue: PAD }, 7);
  const candidates = new Map<string, string>();
  for (let i = 0; i <= 2 * p; i++) for (let j = 0; j <= 2 * p; j++) for (const flip of [false, true]) candidates.set(expected(i, j, p, flip).join(','), `${i},${j},${flip}`);
  const seen = new Set<string>();
  for (let s = 0; s < n; s++) {
    const got = Array.from(x.subarray(s * H * W * C, (s + 1) * H * W * C)).join(',');
    const which = candidates.get(got);
    assert.ok(which, `sample ${s} is not a crop/flip of the input`);
    seen.add(which);
  }
  assert.equal(seen.size, candidates.size, 'all 50 crop × flip combinations drawn in 400 samples');
});

test('padding 0 without flip leaves the batch unchanged; padding 0 with flip mirrors about half the samples', () => {
  const n = 200;
  const x = new Float32Array(n * H * W * C);
  for (let s = 0; s < n; s++) x.set(image(), s * H * W * C);
  const original = x.slice();
  augmentImages(x, n, [H, W, C], { cropPadding: 0, horizontalFlip: false, padValue: PAD }, 1);
  assert.deepEqual(x, original);
  augmentImages(x, n, [H, W, C], { cropPadding: 0, horizontalFlip: true, padValue: PAD }, 1);
  const mirrored = expected(0, 0, 0, true).join(',');
  let flips = 0;
  for (let s = 0; s < n; s++) {
    const got = Array.from(x.subarray(s * H * W * C, (s + 1) * H * W * C)).join(',');
    if (got === mirrored) flips++;
    else assert.equal(got, Array.from(image()).join(','));
  }
  assert.ok(flips > 70 && flips < 130, `${flips} of ${n} mirrored`);
});

test('the same seed gives the same views, another seed others; non-image inputs name the field', () => {
  const make = () => {
    const x = new Float32Array(50 * H * W * C);
    for (let s = 0; s < 50; s++) x.set(image(), s * H * W * C);
    return x;
  };
  const [a, b, c] = [make(), make(), make()];
  const opts = { cropPadding: 1, horizontalFlip: true, padValue: PAD };
  augmentImages(a, 50, [H, W, C], opts, 3);
  augmentImages(b, 50, [H, W, C], opts, 3);
  augmentImages(c, 50, [H, W, C], opts, 4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.throws(() => augmentImages(new Float32Array(8), 2, [4], opts, 1), /train\.augment: expected images/);
});
