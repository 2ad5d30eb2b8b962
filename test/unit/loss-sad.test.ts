import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { sadAttentionMap, sadLoss, type SadOptions } from '../../src/core/distill/losses/sad';

type Map4 = number[][][][];
type Map3 = number[][][];

// Float64 reference, as ENet-SAD's `at_gen`: G over channels; the deeper (target) map resized to the
// shallower one's size by PyTorch's bilinear `align_corners=False` (source = (dest + 0.5)·in/out − 0.5,
// clamped at 0; i1 = min(i0 + 1, in − 1)); softmax over H·W; MSE; summed over successive pairs.
function refG(f: Map4, { fn, p }: SadOptions): Map3 {
  return f.map((img) =>
    img.map((row) =>
      row.map((px) => {
        const a = px.map(Math.abs);
        if (fn === 'sum') return a.reduce((s, v) => s + v, 0);
        if (fn === 'sum-p') return a.reduce((s, v) => s + v ** p, 0);
        return Math.max(...a.map((v) => v ** p));
      }),
    ),
  );
}
function source(dest: number, inSize: number, outSize: number): [number, number, number] {
  const src = Math.max((dest + 0.5) * (inSize / outSize) - 0.5, 0);
  const i0 = Math.floor(src);
  return [i0, Math.min(i0 + 1, inSize - 1), src - i0];
}
function refResize(map: number[][], oh: number, ow: number): number[][] {
  const [ih, iw] = [map.length, map[0].length];
  return Array.from({ length: oh }, (_, y) => {
    const [y0, y1, dy] = source(y, ih, oh);
    return Array.from({ length: ow }, (_, x) => {
      const [x0, x1, dx] = source(x, iw, ow);
      const top = map[y0][x0] * (1 - dx) + map[y0][x1] * dx;
      const bottom = map[y1][x0] * (1 - dx) + map[y1][x1] * dx;
      return top * (1 - dy) + bottom * dy;
    });
  });
}
function refPsi(g: Map3, oh: number, ow: number): number[][] {
  return g.map((m) => {
    const flat = refResize(m, oh, ow).flat();
    const mx = Math.max(...flat);
    const e = flat.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / s);
  });
}
/** Σ_m MSE(Ψ(G(students[m])), Ψ(resize(G(targets[m+1])))); the detached loss is refSad(blocks, blocks) with only `students` perturbed. */
function refSad(students: Map4[], targets: Map4[], opts: SadOptions): number {
  let total = 0;
  for (let m = 0; m + 1 < students.length; m++) {
    const [a, b] = [students[m], targets[m + 1]];
    const [oh, ow] = [a[0].length, a[0][0].length];
    const pa = refPsi(refG(a, opts), oh, ow).flat();
    const pb = refPsi(refG(b, opts), oh, ow).flat();
    total += pa.reduce((s, v, k) => s + (v - pb[k]) ** 2, 0) / pa.length;
  }
  return total;
}

function seeded(shape: [number, number, number, number], seed: number, scale = 1): Map4 {
  let s = seed;
  const next = () => {
    s = (s * 16807) % 2147483647;
    return ((s / 2147483647) * 2 - 1) * scale;
  };
  const [b, h, w, c] = shape;
  return Array.from({ length: b }, () => Array.from({ length: h }, () => Array.from({ length: w }, () => Array.from({ length: c }, next))));
}
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function lossAndGrads(blocks: Map4[], opts: SadOptions) {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => sadLoss(xs as tf.Tensor4D[], opts))(blocks.map((b) => tf.tensor4d(b)));
    return { loss: value.dataSync()[0], grads: grads.map((g) => g.arraySync() as Map4) };
  });
}

describe('sadAttentionMap', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('sum, sum-p and max-p weigh a sparse peak against spread activity differently', () => {
    // Position (0,0): a single channel at −2.5. Position (0,1): four channels at ±1.5.
    const f = [
      [
        [
          [-2.5, 0, 0, 0],
          [1.5, -1.5, 1.5, 1.5],
        ],
      ],
    ];
    const get = (fn: SadOptions['fn']) => sadAttentionMap(tf.tensor4d(f), { fn, p: 2 }).arraySync()[0][0];
    const [sum, sumP, maxP] = [get('sum'), get('sum-p'), get('max-p')];
    [
      [sum, [2.5, 6]],
      [sumP, [6.25, 9]],
      [maxP, [6.25, 2.25]],
    ].forEach(([got, want]) => (want as number[]).forEach((v, k) => assert.ok(close((got as number[])[k], v, 1e-6), `${got} vs ${want}`)));
    assert.ok(sum[1] > sum[0] && maxP[0] > maxP[1], 'sum favours the spread position, max-p the peak');
    assert.deepEqual(sadAttentionMap(tf.tensor4d(f), { fn: 'sum', p: 2 }).shape, [1, 1, 2]);
  });

  test('matches the reference for p = 3 on random input', () => {
    const f = seeded([2, 3, 2, 4], 11);
    for (const fn of ['sum', 'sum-p', 'max-p'] as const) {
      const got = sadAttentionMap(tf.tensor4d(f), { fn, p: 3 }).arraySync().flat(2);
      refG(f, { fn, p: 3 })
        .flat(2)
        .forEach((v, k) => assert.ok(close(got[k], v, 1e-5), `${fn} [${k}]`));
    }
  });
});

describe('resizing convention', () => {
  test('tfjs resizeBilinear with half-pixel centres is PyTorch align_corners=False, up and down', () => {
    // Hand case: interpolate([1, 2], size 4, align_corners=False) = [1, 1.25, 1.75, 2].
    assert.deepEqual(refResize([[1, 2]], 1, 4)[0], [1, 1.25, 1.75, 2]);
    const map = seeded([1, 4, 5, 1], 41)[0].map((r) => r.map((px) => px[0]));
    for (const [oh, ow] of [
      [7, 9],
      [8, 10],
      [3, 2],
      [2, 3],
      [4, 5],
    ]) {
      const got = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d([map.map((r) => r.map((v) => [v]))]), [oh, ow], false, true).arraySync()[0]);
      refResize(map, oh, ow).forEach((row, y) => row.forEach((v, x) => assert.ok(close(got[y][x][0], v, 1e-6), `${oh}×${ow} [${y}][${x}]: ${got[y][x][0]} vs ${v}`)));
    }
  });
});

/** A [1, H, W, 1] block whose G ('sum', one channel) is the given map. */
const block = (map: number[][]): Map4 => [map.map((r) => r.map((v) => [v]))];

describe('sadLoss', () => {
  test('is zero when successive blocks give the same attention', () => {
    const f = seeded([2, 3, 3, 2], 3);
    const doubledChannels = f.map((img) => img.map((r) => r.map((px) => [...px, ...px.map((v) => -v)])));
    // Σ|A|² over the doubled channels is twice the original: different maps, so not zero…
    assert.ok(lossAndGrads([f, doubledChannels], { fn: 'sum-p', p: 2 }).loss > 1e-6);
    // …but max-p ignores duplicated channels: zero.
    assert.ok(lossAndGrads([f, doubledChannels], { fn: 'max-p', p: 2 }).loss < 1e-12);
  });

  test('hand case: a smaller deeper map is upsampled to the shallower one (half-pixel centres)', () => {
    // Upsampling [[0, 1], [2, 3]] to 4×4 with align_corners=False reads rows and columns at
    // 0, 0.25, 0.75, 1 (sources −0.25→0, 0.25, 0.75, 1.25→1): value 2·y + x there.
    const at = [0, 0.25, 0.75, 1];
    const upsampled = at.map((y) => at.map((x) => 2 * y + x));
    const opts: SadOptions = { fn: 'sum', p: 2 };
    assert.ok(
      lossAndGrads(
        [
          block(upsampled),
          block([
            [0, 1],
            [2, 3],
          ]),
        ],
        opts,
      ).loss < 1e-12,
    );
  });

  test('hand case: a larger deeper map is brought down to the shallower size (2×2 means at scale 2)', () => {
    // Down by 2 with half-pixel centres reads at 2d + 0.5: the mean of each 2×2 cell.
    const deeper = [
      [0, 4, 1, 0],
      [2, 2, 0, 3],
      [1, 0, 5, 1],
      [0, 3, 2, 2],
    ].map((r) => r.map((v) => v / 10));
    const means = [
      [0.2, 0.1],
      [0.1, 0.25],
    ];
    assert.ok(lossAndGrads([block(means), block(deeper)], { fn: 'sum', p: 2 }).loss < 1e-12);
  });

  test('matches the reference with the target resized up, down and to other aspect ratios, summed over pairs', () => {
    const blocks = [seeded([2, 4, 4, 3], 1, 2), seeded([2, 2, 2, 5], 2, 2), seeded([2, 3, 3, 2], 3, 2), seeded([2, 5, 2, 2], 4, 2)];
    for (const opts of [
      { fn: 'sum', p: 2 },
      { fn: 'sum-p', p: 2 },
      { fn: 'max-p', p: 3 },
    ] as SadOptions[]) {
      const { loss } = lossAndGrads(blocks, opts);
      const expected = refSad(blocks, blocks, opts);
      const first = refSad(blocks.slice(0, 2), blocks.slice(0, 2), opts);
      assert.ok(expected > first && first > 0);
      assert.ok(close(loss, expected, 1e-5), `${opts.fn}: ${loss} vs ${expected}`);
    }
  });

  test('the trained block keeps every position: each one gets a gradient', () => {
    const { grads } = lossAndGrads([seeded([1, 4, 4, 2], 5, 1.5), seeded([1, 2, 2, 3], 6, 1.5)], { fn: 'sum-p', p: 2 });
    grads[0][0].forEach((row, i) => row.forEach((px, j) => assert.ok(Math.hypot(...px) > 1e-7, `position (${i},${j}) gets no gradient`)));
  });

  test('gradients: finite differences of the reference with the targets held fixed; the last block gets none', () => {
    const opts: SadOptions = { fn: 'sum-p', p: 2 };
    const blocks = [seeded([1, 4, 4, 2], 21, 1.5), seeded([1, 2, 2, 3], 22, 1.5), seeded([1, 3, 3, 2], 23, 1.5)];
    const { grads } = lossAndGrads(blocks, opts);
    assert.ok(
      grads[2].flat(3).every((g) => g === 0),
      'the last block is only a target: zero gradient',
    );
    const h = 1e-6;
    let nonTrivial = 0;
    for (const k of [0, 1]) {
      blocks[k].forEach((img, b) =>
        img.forEach((row, i) =>
          row.forEach((px, j) =>
            px.forEach((_, c) => {
              const plus = structuredClone(blocks);
              const minus = structuredClone(blocks);
              plus[k][b][i][j][c] += h;
              minus[k][b][i][j][c] -= h;
              // Only the trained copies move: the targets are detached.
              const numeric = (refSad(plus, blocks, opts) - refSad(minus, blocks, opts)) / (2 * h);
              const got = grads[k][b][i][j][c];
              assert.ok(Math.abs(got - numeric) < 1e-6 + 1e-3 * Math.abs(numeric), `block ${k} [${i}][${j}][${c}]: ${got} vs ${numeric}`);
              if (Math.abs(numeric) > 1e-5) nonTrivial++;
            }),
          ),
        ),
      );
    }
    assert.ok(nonTrivial >= 40, `only ${nonTrivial} non-trivial gradient entries`);
  });

  test('with three blocks the middle block still learns from the last; only the last gets zero', () => {
    const blocks = [seeded([1, 2, 2, 2], 31), seeded([1, 2, 2, 2], 32), seeded([1, 2, 2, 2], 33)];
    const { grads } = lossAndGrads(blocks, { fn: 'sum', p: 2 });
    const norm = (g: Map4) => Math.hypot(...g.flat(3));
    assert.ok(norm(grads[0]) > 1e-6 && norm(grads[1]) > 1e-6);
    assert.equal(norm(grads[2]), 0);
  });

  test('rejects fewer than two blocks', () => {
    assert.throws(() => sadLoss([tf.zeros([1, 2, 2, 1]) as tf.Tensor4D], { fn: 'sum', p: 2 }), /at least 2 blocks/);
  });
});
