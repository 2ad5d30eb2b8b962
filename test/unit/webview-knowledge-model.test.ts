// The knowledge views' numbers against hand-computed small cases and closed forms.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agreementFlips, calibration, confusionMatrix, difference, entropyCurve, rowNormalised, softTargetMatrix, type Logits } from '../../webview/knowledge-model';
import { project2d } from '../../webview/pca';
import { decodeKnowledge, knowledgeRoles } from '../../webview/knowledge-data';
import { encodeArray } from '../../src/shared/knowledge-files';

/** Logits whose softmax at T = 1 is exactly `p` (log p; a constant shift changes nothing). */
const fromProbabilities = (rows: number[][]): Logits => ({ values: Float32Array.from(rows.flatMap((p) => p.map(Math.log))), classes: rows[0].length });

const close = (actual: number, expected: number, tolerance = 1e-6, what = '') => assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} ≠ ${expected}`);

describe('soft-target heatmap', () => {
  const logits = fromProbabilities([
    [0.7, 0.2, 0.1], // label 0
    [0.5, 0.3, 0.2], // label 0
    [0.1, 0.8, 0.1], // label 1
  ]);
  const labels = Int32Array.from([0, 0, 1]);

  test('at T = 1, row c is the mean predicted distribution of the samples labelled c; a class without samples is NaN', () => {
    const m = softTargetMatrix(logits, labels, 1);
    [0.6, 0.25, 0.15, 0.1, 0.8, 0.1].forEach((v, k) => close(m[k], v, 1e-6, `cell ${k}`));
    assert.ok([6, 7, 8].every((k) => Number.isNaN(m[k])));
  });

  test('at T = 2 each distribution becomes √p renormalised, then averaged', () => {
    const soften = (p: number[]) => {
      const r = p.map(Math.sqrt);
      const s = r.reduce((a, b) => a + b, 0);
      return r.map((v) => v / s);
    };
    const a = soften([0.7, 0.2, 0.1]);
    const b = soften([0.5, 0.3, 0.2]);
    const c = soften([0.1, 0.8, 0.1]);
    const m = softTargetMatrix(logits, labels, 2);
    for (let j = 0; j < 3; j++) {
      close(m[j], (a[j] + b[j]) / 2, 1e-6, `row 0 col ${j}`);
      close(m[3 + j], c[j], 1e-6, `row 1 col ${j}`);
    }
    // Rows stay distributions.
    close(m[0] + m[1] + m[2], 1);
  });

  test('the difference of two heatmaps is cell by cell', () => {
    const d = difference(Float64Array.from([0.5, 0.5]), Float64Array.from([0.25, 0.75]));
    assert.deepEqual([...d], [0.25, -0.25]);
  });
});

describe('entropy against temperature', () => {
  test('uniform logits: log2 C bits at every T', () => {
    for (const C of [2, 10, 100]) {
      const logits: Logits = { values: new Float32Array(3 * C).fill(1.5), classes: C };
      entropyCurve(logits, [1, 2, 4, 20]).forEach((h) => close(h, Math.log2(C), 1e-9, `C=${C}`));
    }
  });

  test('one-hot logits: entropy 0 as T gets small, rising towards log2 C as T grows', () => {
    const logits: Logits = { values: Float32Array.from([30, 0, 0, 0, 0, 30, 0, 0]), classes: 4 };
    const [small, one, big] = entropyCurve(logits, [0.1, 1, 1e6]);
    close(small, 0, 1e-12, 'T=0.1');
    assert.ok(one < 1e-9, `T=1 on a margin of 30: ${one}`);
    close(big, 2, 1e-4, 'T=1e6');
  });

  test('two classes by hand: p = (3/4, 1/4) at T = 1 is 0.8113 bits; at T = 2, p = √3/(1+√3) gives 0.9476 bits', () => {
    const logits: Logits = { values: Float32Array.from([Math.log(3), 0]), classes: 2 };
    const [h1, h2] = entropyCurve(logits, [1, 2]);
    close(h1, 0.8112781244591328, 1e-6);
    close(h2, 0.9475713327707451, 1e-6);
  });
});

describe('calibration (15 bins)', () => {
  test('a hand-computed ECE: bins (13/15, 14/15], (11/15, 12/15], (8/15, 9/15]', () => {
    // Two classes; label 0 makes a prediction of class 0 right.
    const logits = fromProbabilities([
      [0.9, 0.1],
      [0.9, 0.1],
      [0.75, 0.25],
      [0.58, 0.42],
    ]);
    const labels = Int32Array.from([0, 1, 0, 1]);
    const result = calibration(logits, labels);
    assert.equal(result.bins.length, 15);
    // (2/4)·|0.5 − 0.9| + (1/4)·|1 − 0.75| + (1/4)·|0 − 0.58|
    close(result.ece, 0.2 + 0.0625 + 0.145, 1e-6);
    close(result.accuracy, 0.5);
    assert.deepEqual(
      result.bins.map((b) => b.count),
      [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 2, 0],
    );
    close(result.bins[13].accuracy, 0.5);
    close(result.bins[13].confidence, 0.9, 1e-6);
    assert.ok(Number.isNaN(result.bins[0].accuracy), 'an empty bin has no accuracy');
  });

  test('a perfectly calibrated model has ECE 0', () => {
    // Ten samples at confidence 0.8 (bin 11), eight of them right.
    const logits = fromProbabilities(Array.from({ length: 10 }, () => [0.8, 0.2]));
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    close(calibration(logits, labels).ece, 0, 1e-6);
  });
});

describe('confusions', () => {
  test('the confusion matrix counts true × predicted, and rows normalise to fractions', () => {
    const m = confusionMatrix(Int32Array.from([0, 1, 1, 2, 0]), Int32Array.from([0, 1, 0, 2, 0]), 3);
    assert.deepEqual([...m], [2, 1, 0, 0, 1, 0, 0, 0, 1]);
    const r = rowNormalised(m, 3);
    close(r[0], 2 / 3);
    close(r[1], 1 / 3);
  });

  test('flips: where the distilled student now agrees with the teacher and the scratch student did not, and the reverse', () => {
    const teacher = Int32Array.from([0, 1, 2, 3, 4]);
    const scratch = Int32Array.from([0, 9, 2, 9, 4]);
    const distilled = Int32Array.from([0, 1, 9, 3, 9]);
    assert.deepEqual(agreementFlips(teacher, scratch, distilled), { gained: [1, 3], lost: [2, 4] });
  });
});

describe('PCA projection', () => {
  test('points on the line (1, 2, 2)/3 with a small orthogonal spread: the first axis recovers their position on the line', () => {
    const axis = [1 / 3, 2 / 3, 2 / 3];
    const across = [2 / 3, 1 / 3, -2 / 3]; // orthogonal to axis
    // Spread uncorrelated with the position (Σ t·e = 0), so the axis does not tilt.
    const t = [-3, -1, 1, 3, -3, -1, 1, 3];
    const e = [0.1, -0.1, -0.1, 0.1, -0.1, 0.1, 0.1, -0.1];
    const values = Float32Array.from(t.flatMap((ti, i) => axis.map((a, d) => 10 + ti * a + e[i] * across[d])));
    const { points, explained } = project2d(values, t.length, 3);
    const meanT = t.reduce((a, b) => a + b, 0) / t.length;
    const meanE = e.reduce((a, b) => a + b, 0) / e.length;
    const sign1 = Math.sign(points[0]) * Math.sign(t[0] - meanT);
    const sign2 = Math.sign(points[1]) * Math.sign(e[0] - meanE);
    t.forEach((ti, i) => {
      close(points[i * 2], sign1 * (ti - meanT), 1e-4, `first coordinate of point ${i}`);
      close(points[i * 2 + 1], sign2 * (e[i] - meanE), 1e-4, `second coordinate of point ${i}`);
    });
    const vt = t.reduce((s, ti) => s + (ti - meanT) ** 2, 0);
    const ve = e.reduce((s, ei) => s + (ei - meanE) ** 2, 0);
    close(explained[0], vt / (vt + ve), 1e-4, 'explained variance');
  });
});

describe('the knowledge payload in the webview', () => {
  const file = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const payload = (logits: Float32Array) => ({
    index: {
      count: 2,
      classes: 3,
      classNames: ['a', 'b', 'c'],
      labels: 'checkpoints/val-labels.i32',
      embeddingSample: { file: 'checkpoints/embedding-sample.i32', count: 1, seed: 1 },
      models: [{ role: 'teacher', epoch: 2, logits: 'checkpoints/teacher/val-logits.f32', embeddings: { file: 'checkpoints/teacher/embeddings.f32', dim: 2 } }],
    },
    files: {
      'checkpoints/val-labels.i32': file(encodeArray(Int32Array.from([2, 0]), 'int32')),
      'checkpoints/embedding-sample.i32': file(encodeArray(Int32Array.from([1]), 'int32')),
      'checkpoints/teacher/val-logits.f32': file(encodeArray(logits, 'float32')),
      'checkpoints/teacher/embeddings.f32': file(encodeArray(Float32Array.from([0.5, -1]), 'float32')),
    },
  });

  test('decodes every file against the index', () => {
    const knowledge = decodeKnowledge(payload(Float32Array.from([0, 1, 5, 3, 2, 1])));
    assert.deepEqual([...knowledge.labels], [2, 0]);
    assert.deepEqual([...knowledge.sample], [1]);
    assert.deepEqual([...knowledge.models[0].predicted], [2, 0]);
    assert.deepEqual([...knowledge.models[0].embeddings!.values], [0.5, -1]);
    assert.equal(knowledgeRoles(knowledge).teacher?.role, 'teacher');
  });

  test('a file of the wrong size is an error naming it', () => {
    assert.throws(() => decodeKnowledge(payload(Float32Array.from([0, 1, 5, 3, 2]))), /checkpoints\/teacher\/val-logits\.f32: expected 6 float32 values \(24 bytes\), found 20 bytes/);
    assert.throws(() => decodeKnowledge({ index: {}, files: {} }), /the knowledge message is malformed/);
  });
});

describe('which models the views put side by side', () => {
  const roles = (...names: string[]) => {
    const r = knowledgeRoles({
      classNames: [],
      classes: 2,
      labels: new Int32Array(0),
      sample: new Int32Array(0),
      models: names.map((role) => ({ role, epoch: 1, logits: { values: new Float32Array(0), classes: 2 }, predicted: new Int32Array(0) })),
    });
    return [r.teacher?.role, r.scratch?.role, r.distilled?.role];
  };

  test('KD: teacher, baseline, student', () => assert.deepEqual(roles('teacher', 'student-scratch', 'student'), ['teacher', 'student-scratch', 'student']));
  test('two-stage FitNets: the student is the last stage', () => assert.deepEqual(roles('teacher', 'student-scratch', 'student-hint', 'student'), ['teacher', 'student-scratch', 'student']));
  test('born-again: the last generation, not the generations’ ensemble', () =>
    assert.deepEqual(roles('teacher', 'student-scratch', 'generation-1', 'generation-2', 'ensemble'), ['teacher', 'student-scratch', 'generation-2']));
  test('multi-teacher: the ensemble the student learned from', () =>
    assert.deepEqual(roles('teacher', 'teacher-2', 'teacher-ensemble', 'student-scratch', 'student'), ['teacher-ensemble', 'student-scratch', 'student']));
  test('DML: no teacher; the last peer', () => assert.deepEqual(roles('student-scratch', 'peer-1', 'peer-2'), [undefined, 'student-scratch', 'peer-2']));
  test('multi-teacher with its main teacher loaded: the first teacher there is', () => assert.deepEqual(roles('teacher-2', 'teacher-3', 'student'), ['teacher-2', undefined, 'student']));
  test('scratch alone: only the student', () => assert.deepEqual(roles('student'), [undefined, undefined, 'student']));
});
