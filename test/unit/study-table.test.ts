// The study table's statistics against hand computations and printed t tables, and the table
// built from member results.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelSummary, RunSummary } from '../../src/shared/protocol';
import { parseStudy } from '../../src/shared/protocol';
import { expandStudy } from '../../src/shared/study/expand';
import { mean, pairedDifference, sampleSd, studentTCdf, studentTQuantile } from '../../src/shared/study/stats';
import { formatStudyTable, sortStudyRows, studyRows, type MemberResult } from '../../src/shared/study/table';

const close = (actual: number, expected: number, tolerance: number, what: string) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

describe('Student t', () => {
  test('quantiles match the closed forms for 1 and 2 degrees of freedom', () => {
    // df = 1 is Cauchy: t_p = tan(π(p − ½)); df = 2: t_p = (2p − 1)/√(2p(1 − p)).
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-8, `t(${p}, 1)`);
      close(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-9, `t(${p}, 2)`);
    }
  });

  test('quantiles match a printed table at 0.975 (12.706, 4.303, 3.182, 2.776, 2.228, 2.042)', () => {
    const printed: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [4, 2.776],
      [10, 2.228],
      [30, 2.042],
    ];
    for (const [df, t] of printed) close(studentTQuantile(0.975, df), t, 5e-4, `t(0.975, ${df})`);
    close(studentTQuantile(0.995, 5), 4.032, 5e-4, 't(0.995, 5)');
  });

  test('the CDF is symmetric about 0 and the lower quantiles are the upper ones negated', () => {
    assert.equal(studentTCdf(0, 3), 0.5);
    close(studentTCdf(-1.3, 7) + studentTCdf(1.3, 7), 1, 1e-12, 'symmetry');
    close(studentTQuantile(0.025, 4), -studentTQuantile(0.975, 4), 1e-10, 'lower quantile');
  });
});

describe('paired difference over seeds', () => {
  test('3 seeds, differences 2, 3 and 1 points: mean 2, sd 1, interval 2 ± 4.303·1/√3 = [−0.484, 4.484], which holds 0', () => {
    const d = pairedDifference([0.8, 0.83, 0.81], [0.78, 0.8, 0.8]);
    assert.equal(d.n, 3);
    close(d.mean, 0.02, 1e-12, 'mean');
    close(d.sd, 0.01, 1e-12, 'sd');
    const half = (4.303 * 0.01) / Math.sqrt(3);
    // 4.303 is printed to 3 decimals: the half-width is known to 0.0005·0.01/√3 ≈ 3e-6.
    close(d.low, 0.02 - half, 3e-6, 'low');
    close(d.high, 0.02 + half, 3e-6, 'high');
    assert.equal(d.excludesZero, false);
  });

  test('differences 2, 2.5 and 3 points: interval 2.5 ± 4.303·0.5/√3 = [1.258, 3.742], which excludes 0', () => {
    const d = pairedDifference([0.82, 0.825, 0.83], [0.8, 0.8, 0.8]);
    const half = (4.303 * 0.005) / Math.sqrt(3);
    close(d.low, 0.025 - half, 2e-6, 'low');
    close(d.high, 0.025 + half, 2e-6, 'high');
    assert.equal(d.excludesZero, true);
    // The same below 0.
    assert.equal(pairedDifference([0.8, 0.8, 0.8], [0.82, 0.825, 0.83]).excludesZero, true);
  });

  test('the pairing matters: the same values unpaired would hold 0, paired they do not', () => {
    const values = [0.7, 0.8, 0.9];
    const baselines = [0.69, 0.79, 0.89];
    assert.ok(sampleSd(values) > 0.09);
    const d = pairedDifference(values, baselines);
    close(d.sd, 0, 1e-12, 'sd of identical differences');
    assert.equal(d.excludesZero, true);
  });

  test('a seed without both figures is left out; one pair has no interval', () => {
    const d = pairedDifference([0.8, Number.NaN, 0.83], [0.78, 0.8, Number.NaN]);
    assert.equal(d.n, 1);
    close(d.mean, 0.02, 1e-12, 'mean');
    assert.ok(Number.isNaN(d.low) && !d.excludesZero);
    assert.throws(() => pairedDifference([1], [1, 2]), /one baseline each/);
  });

  test('mean and sample sd (n − 1)', () => {
    close(mean([1, 2, 3, 4]), 2.5, 1e-12, 'mean');
    close(sampleSd([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-12, 'sd');
    assert.ok(Number.isNaN(sampleSd([1])));
  });
});

function model(role: string, test: number, extra: Partial<ModelSummary> = {}): ModelSummary {
  return { role, arch: 'mlp 8', params: 100, bytes: 400, bestValAccuracy: test + 0.01, bestEpoch: 1, lastValAccuracy: test - 0.01, testAccuracy: test, latencyMs: 0.1, wallTimeSec: 1, ...extra };
}
function summary(method: string, seed: number, models: ModelSummary[], wallTimeSec = 10): RunSummary {
  return { experiment: 's', method: method as RunSummary['method'], dataset: 'd', backend: 'cpu', seed, wallTimeSec, models };
}

describe('study table', () => {
  const study = parseStudy({ methods: ['kd', 'dml'], seeds: [1, 2, 3] });
  const { members } = expandStudy(study, 's');
  const completed = (s: RunSummary): MemberResult => ({ status: 'completed', summary: s });
  const baselineTests = [0.78, 0.8, 0.8];
  const kdTests = [0.8, 0.83, 0.81];
  const results = new Map<string, MemberResult>([
    ['teacher', completed(summary('teacher', 42, [model('teacher', 0.9)], 30))],
    ...[1, 2, 3].map((seed, i) => [`scratch-s${seed}`, completed(summary('scratch', seed, [model('student', baselineTests[i])], 5))] as const),
    ...[1, 2, 3].map(
      (seed, i) => [`kd-s${seed}`, completed(summary('kd', seed, [model('teacher', 0.9, { bestEpoch: 0 }), model('student', kdTests[i], { agreement: 0.85 + i * 0.01 })], 6 + i))] as const,
    ),
    ['dml-s1', completed(summary('dml', 1, [model('peer-1', 0.79), model('peer-2', 0.7)]))],
    ['dml-s2', { status: 'failed' }],
    ['dml-s3', { status: 'missing' }],
  ]);

  test('rows: the teacher, the baseline and each method, with mean ± sd, the paired Δ and its interval', () => {
    const rows = studyRows(members, results);
    assert.deepEqual(
      rows.map((r) => r.label),
      ['teacher', 'scratch', 'kd', 'dml'],
    );
    const [teacher, scratch, kd, dml] = rows;
    assert.equal(teacher.completed, 1);
    close(teacher.test.mean, 0.9, 1e-12, 'teacher');
    close(scratch.test.mean, mean(baselineTests), 1e-12, 'scratch mean');
    assert.equal(scratch.delta, undefined);
    close(kd.test.mean, mean(kdTests), 1e-12, 'kd mean');
    close(kd.test.sd, sampleSd(kdTests), 1e-12, 'kd sd');
    close(kd.delta!.mean, 0.02, 1e-12, 'kd Δ');
    close(kd.delta!.high - kd.delta!.mean, (4.303 * 0.01) / Math.sqrt(3), 3e-6, 'kd Δ half-width');
    close(kd.agreement, 0.86, 1e-12, 'agreement');
    close(kd.bestVal, mean(kdTests) + 0.01, 1e-12, 'best val');
    close(kd.lastVal, mean(kdTests) - 0.01, 1e-12, 'last val');
    close(kd.wallTimeSec, 7, 1e-12, 'wall time');
    assert.equal(kd.failed, 0);
    // DML: peer 1 speaks for it; one failed, one not run yet.
    assert.equal(dml.completed, 1);
    assert.equal(dml.failed, 1);
    assert.deepEqual(dml.notes, ['reports peer-1']);
    close(dml.delta!.mean, 0.79 - 0.78, 1e-12, 'dml Δ');
    assert.equal(dml.delta!.n, 1);
  });

  test('the formats: the terminal table, Markdown and CSV say the same figures', () => {
    const rows = studyRows(members, results);
    const text = formatStudyTable(rows, 'table');
    assert.match(text, /kd\s+3\/3\s+81\.33 ± 1\.53%\s+\+2\.00 \[-0\.48, \+4\.48\]\s/);
    assert.match(text, /dml \(reports peer-1\)\s+1\/3\s+79\.00%\s+\+1\.00 \(1 seed, no interval\)/);
    const md = formatStudyTable(rows, 'md').split('\n');
    assert.equal(md[0], '| method | seeds | test acc (mean ± sd) | Δ vs scratch, pp [95% CI] | best val | last val | agreement | wall time | failed |');
    assert.ok(md.includes('| kd | 3/3 | 81.33 ± 1.53% | +2.00 [-0.48, +4.48] | 82.33% | 80.33% | 86.00% | 7.0 s | 0 |'), md.join('\n'));
    const csv = formatStudyTable(rows, 'csv').split('\n');
    assert.equal(csv.length, 5);
    const kd = csv.find((line) => line.startsWith('kd,'))!.split(',');
    assert.equal(kd.length, 16);
    close(Number(kd[7]), 0.02, 1e-12, 'csv Δ');
    assert.equal(kd[10], 'false');
  });

  test('sorting: the teacher and the baseline stay first; methods by Δ or test accuracy best first, rows without the figure last, or by name', () => {
    const rows = studyRows(members, results);
    const labels = (by: Parameters<typeof sortStudyRows>[1]) => sortStudyRows(rows, by).map((r) => r.label);
    assert.deepEqual(labels('order'), ['teacher', 'scratch', 'kd', 'dml']);
    // kd: Δ +2.00 points, test 81.3 %; dml: Δ +1.00, test 79.0 %.
    assert.deepEqual(labels('delta'), ['teacher', 'scratch', 'kd', 'dml']);
    assert.deepEqual(labels('method'), ['teacher', 'scratch', 'dml', 'kd']);
    const worse = new Map(results);
    [1, 2, 3].forEach((seed) => worse.set(`kd-s${seed}`, completed(summary('kd', seed, [model('student', 0.7)]))));
    assert.deepEqual(
      sortStudyRows(studyRows(members, worse), 'test').map((r) => r.label),
      ['teacher', 'scratch', 'dml', 'kd'],
    );
    // kd without a single completed seed has no Δ: after dml, though listed first.
    const missing = new Map([...results, ...[1, 2, 3].map((seed) => [`kd-s${seed}`, { status: 'missing' }] as const)]);
    assert.deepEqual(
      sortStudyRows(studyRows(members, missing), 'delta').map((r) => r.label),
      ['teacher', 'scratch', 'dml', 'kd'],
    );
  });

  test('an interval that excludes 0 is starred', () => {
    const better = new Map(results);
    [0.82, 0.825, 0.83].forEach((t, i) => better.set(`kd-s${i + 1}`, completed(summary('kd', i + 1, [model('student', t + (baselineTests[i] - 0.8))]))));
    const kd = studyRows(members, better).find((r) => r.label === 'kd')!;
    assert.equal(kd.delta!.excludesZero, true);
    assert.match(formatStudyTable([kd], 'table'), /\+2\.50 \[\+1\.26, \+3\.74\] \*/);
  });

  test('the footnote explaining * appears only when some row has an interval', () => {
    const oneSeed = studyRows(expandStudy(parseStudy({ methods: ['kd', 'dml'], seeds: [1] }), 's').members, results);
    assert.ok(oneSeed.every((r) => r.delta === undefined || !Number.isFinite(r.delta.low)));
    assert.doesNotMatch(formatStudyTable(oneSeed, 'table'), /excludes 0/);
    assert.doesNotMatch(formatStudyTable(oneSeed, 'md'), /excludes 0/);
    assert.match(formatStudyTable(studyRows(members, results), 'md'), /\n\n\* the 95% interval of the paired difference/);
  });
});
