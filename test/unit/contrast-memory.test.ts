import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { ContrastMemory, drawContrastIndices } from '../../src/core/distill/contrast-memory';
import { shuffledIndices } from '../../src/core/data/rng';

const T = 0.5;
const STUDENT = [
  [1, 0],
  [0, 1],
  [-1, 0],
  [0, -1],
];
const TEACHER = [
  [0.6, 0.8],
  [0.8, -0.6],
  [-0.6, -0.8],
  [-0.8, 0.6],
];
const VS = [
  [0.6, 0.8],
  [1, 0],
];
const VT = [
  [0, 1],
  [0.8, 0.6],
];
const IDX = Int32Array.from([1, 3]);
const CONTRAST = Int32Array.from([1, 0, 2, 3, 2, 0]);

function handMemory(): ContrastMemory {
  return new ContrastMemory({ featDim: 2, nData: 4, k: 2, temperature: T, momentum: 0.5, seed: 1, initial: { student: STUDENT, teacher: TEACHER } });
}
const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
function assertRows(got: number[][], want: number[][], what: string) {
  want.forEach((row, i) => row.forEach((v, d) => assert.ok(close(got[i][d], v), `${what}[${i}][${d}]: ${got[i][d]} vs ${v}`)));
}

describe('ContrastMemory', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('first forward: scores and Z by hand, then the banks move towards v at idx only', () => {
    const memory = handMemory();
    const { scoresS, scoresT } = memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, CONTRAST);
    // vS against the TEACHER bank, rows [1,0,2] and [3,2,0]: dot products 0, 1, −1 and −0.8, −0.6, 0.6.
    const rawS = [
      [0, 1, -1],
      [-0.8, -0.6, 0.6],
    ].map((r) => r.map((d) => Math.exp(d / T)));
    // vT against the STUDENT bank: 1, 0, 0 and −0.6, −0.8, 0.8.
    const rawT = [
      [1, 0, 0],
      [-0.6, -0.8, 0.8],
    ].map((r) => r.map((d) => Math.exp(d / T)));
    const z = (raw: number[][]) => (raw.flat().reduce((a, v) => a + v, 0) / 6) * 4;
    const zS = z(rawS);
    const zT = z(rawT);
    const norms = memory.normalizers();
    assert.ok(norms && close(norms.scoresS, zS) && close(norms.scoresT, zT), JSON.stringify(norms));
    assertRows(
      scoresS.arraySync(),
      rawS.map((r) => r.map((v) => v / zS)),
      'scoresS',
    );
    assertRows(
      scoresT.arraySync(),
      rawT.map((r) => r.map((v) => v / zT)),
      'scoresT',
    );

    // Row 1: ½[0,1] + ½[0.6,0.8] = [0.3,0.9] → /√0.9; row 3: ½[0,−1] + ½[1,0] → [1,−1]/√2.
    const { student, teacher } = memory.memories();
    assertRows(
      student,
      [
        [1, 0],
        [0.3 / Math.sqrt(0.9), 0.9 / Math.sqrt(0.9)],
        [-1, 0],
        [Math.SQRT1_2, -Math.SQRT1_2],
      ],
      'student',
    );
    // Row 1: ½[0.8,−0.6] + ½[0,1] = [0.4,0.2] → [2,1]/√5; row 3: ½[−0.8,0.6] + ½[0.8,0.6] → [0,1].
    assertRows(
      teacher,
      [
        [0.6, 0.8],
        [2 / Math.sqrt(5), 1 / Math.sqrt(5)],
        [-0.6, -0.8],
        [0, 1],
      ],
      'teacher',
    );
    memory.dispose();
  });

  test('momentum weighs the old row: m ← normalise(momentum·m + (1 − momentum)·v)', () => {
    const memory = new ContrastMemory({ featDim: 2, nData: 4, k: 2, temperature: T, momentum: 0.75, seed: 1, initial: { student: STUDENT, teacher: TEACHER } });
    memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, CONTRAST);
    // Student row 1: ¾[0,1] + ¼[0.6,0.8] = [0.15, 0.95]; row 3: ¾[0,−1] + ¼[1,0] = [0.25, −0.75].
    const n1 = Math.hypot(0.15, 0.95);
    const n3 = Math.hypot(0.25, 0.75);
    assertRows(
      memory.memories().student,
      [
        [1, 0],
        [0.15 / n1, 0.95 / n1],
        [-1, 0],
        [0.25 / n3, -0.75 / n3],
      ],
      'student',
    );
  });

  test('Z stays fixed on later calls, which see the updated banks', () => {
    const memory = handMemory();
    memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, CONTRAST);
    const z = memory.normalizers()!;
    const { student, teacher } = memory.memories();
    const idx = Int32Array.from([0, 2]);
    const contrast = Int32Array.from([0, 1, 3, 2, 3, 1]);
    const { scoresS, scoresT } = memory.forward(tf.tensor2d(VT), tf.tensor2d(VS), idx, contrast);
    assert.deepEqual(memory.normalizers(), z);
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1];
    const rows = [
      [0, 1, 3],
      [2, 3, 1],
    ];
    assertRows(
      scoresS.arraySync(),
      rows.map((r, b) => r.map((m) => Math.exp(dot(VT[b], teacher[m]) / T) / z.scoresS)),
      'scoresS',
    );
    assertRows(
      scoresT.arraySync(),
      rows.map((r, b) => r.map((m) => Math.exp(dot(VS[b], student[m]) / T) / z.scoresT)),
      'scoresT',
    );
    // The first call normalised by its own mean: its scores averaged 1/N; this call's need not.
    assert.ok(Math.abs(tf.mean(scoresS).dataSync()[0] - 0.25) > 1e-3);
  });

  test('gradients flow into vS and vT: Σ_j w_j·s_j·m_j/T, matching finite differences', () => {
    const memory = handMemory();
    memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, CONTRAST);
    const z = memory.normalizers()!;
    const { teacher } = memory.memories();
    const w = tf.tensor2d([
      [1, -2, 0.5],
      [0.3, 1, -1],
    ]);
    const vS = [
      [0.2, -0.7],
      [0.9, 0.1],
    ];
    const grads = tf.tidy(() =>
      tf
        .grads((s: tf.Tensor, t: tf.Tensor) => {
          const out = memory.forward(s as tf.Tensor2D, t as tf.Tensor2D, IDX, CONTRAST);
          return tf.add(tf.sum(tf.mul(out.scoresS, w)), tf.sum(out.scoresT));
        })([tf.tensor2d(vS), tf.tensor2d(VT)])
        .map((g) => g.arraySync() as number[][]),
    );
    const rows = [
      [1, 0, 2],
      [3, 2, 0],
    ];
    const wv = w.arraySync();
    const objective = (v: number[][]) => rows.reduce((acc, r, b) => acc + r.reduce((a, m, j) => a + (wv[b][j] * Math.exp((v[b][0] * teacher[m][0] + v[b][1] * teacher[m][1]) / T)) / z.scoresS, 0), 0);
    vS.forEach((row, b) =>
      row.forEach((_, d) => {
        const closed = rows[b].reduce((a, m, j) => a + (wv[b][j] * Math.exp((row[0] * teacher[m][0] + row[1] * teacher[m][1]) / T) * teacher[m][d]) / (z.scoresS * T), 0);
        const h = 1e-6;
        const plus = vS.map((r) => [...r]);
        const minus = vS.map((r) => [...r]);
        plus[b][d] += h;
        minus[b][d] -= h;
        const numeric = (objective(plus) - objective(minus)) / (2 * h);
        assert.ok(close(grads[0][b][d], closed, 1e-4) && close(numeric, closed, 1e-4), `[${b}][${d}] ${grads[0][b][d]} vs ${closed} vs ${numeric}`);
      }),
    );
    assert.ok(
      grads[1].flat().some((g) => Math.abs(g) > 1e-3),
      'vT gets a gradient too',
    );
  });

  test('validates its inputs and leaks no tensors', () => {
    const memory = handMemory();
    assert.throws(() => memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, Int32Array.from([0, 1, 2, 3, 2, 0])), /must be idx\[0\]/);
    assert.throws(() => memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, Int32Array.from([1, 0, 3, 2])), /2×3 indices/);
    const vS = tf.tensor2d(VS);
    const vT = tf.tensor2d(VT);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      memory.forward(vS, vT, IDX, CONTRAST);
    });
    assert.equal(tf.memory().numTensors, before);
    memory.dispose();
    assert.throws(() => memory.memories(), /after dispose/);
  });

  test("the banks move only once the step's gradient is taken: a second forward first is an error, not stale rows", () => {
    const memory = handMemory();
    const twice = () =>
      tf.tidy(() => {
        tf.grads((s: tf.Tensor, t: tf.Tensor) => {
          const first = memory.forward(s as tf.Tensor2D, t as tf.Tensor2D, IDX, CONTRAST);
          const second = memory.forward(s as tf.Tensor2D, t as tf.Tensor2D, IDX, CONTRAST);
          return tf.add(tf.sum(first.scoresS), tf.sum(second.scoresS));
        })([tf.tensor2d(VS), tf.tensor2d(VT)]);
      });
    assert.throws(twice, /banks moved .* before this forward's gradient was taken/);
    memory.dispose();
  });

  test('default banks: seeded uniform draws within ±1/√(featDim/3), distinct per bank and seed', () => {
    const options = { featDim: 12, nData: 50, k: 5, temperature: 0.07, momentum: 0.5 };
    const a = new ContrastMemory({ ...options, seed: 3 }).memories();
    const b = new ContrastMemory({ ...options, seed: 3 }).memories();
    const c = new ContrastMemory({ ...options, seed: 4 }).memories();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.student, c.student);
    assert.notDeepEqual(a.student, a.teacher);
    const values = [...a.student.flat(), ...a.teacher.flat()];
    const stdv = 1 / Math.sqrt(12 / 3);
    assert.ok(values.every((v) => Math.abs(v) <= stdv));
    assert.ok(Math.max(...values) > 0.9 * stdv && Math.min(...values) < -0.9 * stdv);
    assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) / values.length) < 0.05);
  });
});

describe('drawContrastIndices', () => {
  test('column 0 is the sample, negatives cover [0, N) uniformly except the sample', () => {
    let s = 99;
    const rng = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const n = 6;
    const k = 3000;
    const out = drawContrastIndices(Int32Array.from([2, 5]), n, k, rng);
    assert.equal(out.length, 2 * (k + 1));
    [2, 5].forEach((pos, b) => {
      const row = out.subarray(b * (k + 1), (b + 1) * (k + 1));
      assert.equal(row[0], pos);
      const counts = new Array(n).fill(0);
      row.subarray(1).forEach((r) => counts[r]++);
      assert.equal(counts[pos], 0);
      counts.forEach((count, r) => r !== pos && assert.ok(Math.abs(count - k / (n - 1)) < 0.1 * (k / (n - 1)), `${r}: ${count}`));
    });
  });

  test('the memory’s own draws are reproducible from its seed', () => {
    const options = { featDim: 2, nData: 100, k: 8, temperature: 0.07, momentum: 0.5 };
    const idx = Int32Array.from([4, 9, 0]);
    const a = new ContrastMemory({ ...options, seed: 7 }).drawContrastIndices(idx);
    const b = new ContrastMemory({ ...options, seed: 7 }).drawContrastIndices(idx);
    const c = new ContrastMemory({ ...options, seed: 8 }).drawContrastIndices(idx);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

describe('ContrastMemory with labels: negatives from the other classes (RepDistiller CIFAR100InstanceSample)', () => {
  // Unbalanced classes spread over the indices: sizes 5, 10, 15, 20 (N = 50).
  const SIZES = [5, 10, 15, 20];
  const LABELS = (() => {
    const labels = new Int32Array(50);
    const order = shuffledIndices(50, 11);
    let at = 0;
    SIZES.forEach((size, c) => order.subarray(at, (at += size)).forEach((i) => (labels[i] = c)));
    return labels;
  })();
  const otherClasses = (i: number) => LABELS.reduce((n, c) => n + (c !== LABELS[i] ? 1 : 0), 0);
  const memory = (k: number, seed = 5) => new ContrastMemory({ featDim: 2, nData: LABELS.length, k, temperature: 0.07, momentum: 0.5, seed, labels: LABELS });
  const rowsOf = (out: Int32Array, k: number) => Array.from({ length: out.length / (k + 1) }, (_, b) => Array.from(out.subarray(b * (k + 1), (b + 1) * (k + 1))));

  test('the fixture has the intended class sizes', () => {
    assert.deepEqual(
      SIZES.map((_, c) => LABELS.filter((l) => l === c).length),
      SIZES,
    );
  });

  test("never the anchor's class; distinct when K fits the other classes; same draws for the same seed", () => {
    const k = 30; // every class has ≥ 30 samples of other classes
    const a = memory(k);
    const b = memory(k);
    for (let step = 0; step < 20; step++) {
      const idx = Int32Array.from({ length: 8 }, (_, i) => (step * 7 + i * 13) % 50);
      const out = a.drawContrastIndices(idx);
      assert.deepEqual(b.drawContrastIndices(idx), out, 'same seed, same draws');
      rowsOf(out, k).forEach(([anchor, ...negatives], row) => {
        assert.equal(anchor, idx[row]);
        assert.ok(
          negatives.every((n) => LABELS[n] !== LABELS[anchor]),
          `row ${row}: a negative of class ${LABELS[anchor]}`,
        );
        assert.equal(new Set(negatives).size, k, `row ${row}: repeated negatives`);
      });
    }
    const idx = Int32Array.from([0, 1, 2]);
    assert.notDeepEqual(memory(k, 6).drawContrastIndices(idx), memory(k, 5).drawContrastIndices(idx), 'another seed, other draws');
  });

  test("K equal to the other classes' size takes each of them once", () => {
    const anchor = LABELS.indexOf(3); // class of 20: 30 samples of other classes
    const k = otherClasses(anchor);
    assert.equal(k, 30);
    const [row] = rowsOf(memory(k).drawContrastIndices(Int32Array.from([anchor])), k);
    const want = [...LABELS.keys()].filter((i) => LABELS[i] !== 3);
    assert.deepEqual(
      [...row.slice(1)].sort((x, y) => x - y),
      want,
    );
  });

  test('K beyond the other classes: with replacement, still only other classes, per anchor', () => {
    const k = 40; // fits classes 0, 1 (45, 40 others); not 2, 3 (35, 30 others)
    const m = memory(k);
    const idx = Int32Array.from([0, 1, 2, 3].map((c) => LABELS.indexOf(c)));
    for (let step = 0; step < 10; step++) {
      rowsOf(m.drawContrastIndices(idx), k).forEach(([anchor, ...negatives]) => {
        assert.ok(negatives.every((n) => LABELS[n] !== LABELS[anchor]));
        const distinct = new Set(negatives).size;
        if (otherClasses(anchor) >= k) assert.equal(distinct, k, `class ${LABELS[anchor]}: distinct`);
        else assert.ok(distinct < k && distinct <= otherClasses(anchor), `class ${LABELS[anchor]}: repeats`);
      });
    }
  });

  test('every sample of the other classes is equally likely', () => {
    const k = 6;
    const m = memory(k);
    const anchor = LABELS.indexOf(1); // 40 others
    const counts = new Map<number, number>();
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      m.drawContrastIndices(Int32Array.from([anchor]))
        .subarray(1)
        .forEach((n) => counts.set(n, (counts.get(n) ?? 0) + 1));
    }
    assert.equal(counts.size, 40);
    const expected = (draws * k) / 40;
    counts.forEach((count, n) => assert.ok(Math.abs(count - expected) < 0.15 * expected, `${n}: ${count} vs ${expected}`));
  });

  test("without labels, negatives stay uniform over all other samples, the anchor's class included", () => {
    const k = 6;
    const m = new ContrastMemory({ featDim: 2, nData: 50, k, temperature: 0.07, momentum: 0.5, seed: 5 });
    const counts = new Array(50).fill(0);
    const draws = 3000;
    for (let i = 0; i < draws; i++)
      m.drawContrastIndices(Int32Array.from([7]))
        .subarray(1)
        .forEach((n) => counts[n]++);
    assert.equal(counts[7], 0);
    const expected = (draws * k) / 49;
    counts.forEach((count, n) => n !== 7 && assert.ok(Math.abs(count - expected) < 0.15 * expected, `${n}: ${count} vs ${expected}`));
  });

  test('rejects labels that do not fit', () => {
    const base = { featDim: 2, nData: 4, k: 2, temperature: 0.07, momentum: 0.5, seed: 1 };
    assert.throws(() => new ContrastMemory({ ...base, labels: Int32Array.from([0, 1, 0]) }), /labels must give the class of each of the 4 samples/);
    assert.throws(() => new ContrastMemory({ ...base, labels: Int32Array.from([0, 1, -1, 0]) }), /label 2 must be a class index/);
    assert.throws(() => new ContrastMemory({ ...base, labels: Int32Array.from([2, 2, 2, 2]) }), /same class/);
    assert.throws(() => new ContrastMemory({ ...base, labels: Int32Array.from([0, 1, 0, 1]) }).drawContrastIndices(Int32Array.from([4])), /outside \[0, 4\)/);
  });
});
