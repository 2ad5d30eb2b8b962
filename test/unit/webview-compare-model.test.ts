import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRows, configKey, meanStd, methodParamsText, sortRows, stableStringify } from '../../webview/compare-model';
import { compareFixture } from '../webview/fixtures';

describe('comparison rows', () => {
  test('mean ± sample standard deviation; one value has no deviation', () => {
    const stat = meanStd([0.8, 0.82, 0.84]);
    assert.ok(Math.abs(stat.mean - 0.82) < 1e-12);
    assert.ok(Math.abs(stat.std! - 0.02) < 1e-12);
    assert.deepEqual(meanStd([0.5]), { mean: 0.5, n: 1 });
  });

  test('runs that differ only by seed are one config, whatever the key order', () => {
    const [a, b] = compareFixture();
    assert.equal(configKey(a), configKey(b));
    const reordered = { ...b, config: Object.fromEntries(Object.entries(b.config as object).reverse()) };
    assert.equal(configKey(a), configKey(reordered));
    assert.notEqual(configKey(a), configKey({ ...a, config: { ...(a.config as object), train: { epochs: 99 } } }));
    assert.equal(stableStringify({ b: 1, a: [2, { d: 3, c: undefined }] }), '{"a":[2,{"d":3}],"b":1}');
  });

  test('one row per model role and config, seeds aggregated', () => {
    const rows = compareRows(compareFixture());
    assert.equal(rows.length, 4);
    const student = rows.find((r) => r.experiment === 'synthetic-kd' && r.role === 'student')!;
    assert.deepEqual(student.seeds, [1, 2, 3]);
    assert.equal(student.best.n, 3);
    assert.equal(student.methodParams, 'T=4, α=0.9');
    assert.equal(methodParamsText({ method: { name: 'unlabeled', temperature: 2, transfer: { kind: 'builtin' } } }), 'T=2');
    assert.equal(methodParamsText(undefined), '');
  });

  test('sorting: numbers numerically, text alphabetically, missing values last both ways', () => {
    const rows = compareRows(compareFixture());
    assert.deepEqual(
      sortRows(rows, 'params', 'descending').map((r) => r.params),
      [269_322, 29_034, 25_450, 25_450],
    );
    assert.deepEqual(
      sortRows(rows, 'params', 'ascending').map((r) => r.params),
      [25_450, 25_450, 29_034, 269_322],
    );
    for (const direction of ['ascending', 'descending'] as const) {
      const sorted = sortRows(rows, 'agreement', direction);
      assert.deepEqual(
        sorted.slice(-2).map((r) => r.agreement),
        [undefined, undefined],
      );
    }
    assert.deepEqual(
      sortRows(rows, 'experiment', 'ascending')
        .map((r) => r.experiment)
        .at(-1),
      'synthetic-scratch',
    );
  });
});
