import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseExperimentConfig, teacherTrainConfig } from '../../src/shared/protocol';

function problemsOf(input: unknown): string[] {
  try {
    parseExperimentConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}

describe('experiment config', () => {
  test('an empty config gets every default: built-in data, KD with T=4 and α=0.9', () => {
    const config = parseExperimentConfig({});
    assert.deepEqual(config.data.dataset, { kind: 'builtin', name: 'fashion-mnist-small' });
    assert.deepEqual(config.method, { name: 'kd', temperature: 4, alpha: 0.9 });
    assert.equal(config.train.optimizer.kind, 'adam');
    assert.equal(config.seed, 42);
    assert.equal(config.backend, 'auto');
  });

  test('method defaults fill in when only the name is given', () => {
    assert.deepEqual(parseExperimentConfig({ method: { name: 'unlabeled' } }).method, { name: 'unlabeled', temperature: 4 });
    assert.deepEqual(parseExperimentConfig({ train: { optimizer: { kind: 'sgd' } } }).train.optimizer, { kind: 'sgd', momentum: 0.9 });
  });

  test('teacher training settings override the run settings field by field', () => {
    const config = parseExperimentConfig({ train: { epochs: 3, batchSize: 32 }, teacher: { train: { epochs: 7 } } });
    const teacher = teacherTrainConfig(config);
    assert.equal(teacher.epochs, 7);
    assert.equal(teacher.batchSize, 32);
  });

  const cases: [string, unknown, RegExp][] = [
    ['negative temperature', { method: { name: 'kd', temperature: -1 } }, /config\.method\.temperature: expected more than 0, got -1/],
    ['alpha above one', { method: { name: 'kd', alpha: 1.5 } }, /config\.method\.alpha: expected at most 1, got 1\.5/],
    ['unknown method', { method: { name: 'magic' } }, /config\.method\.name: expected one of .*"kd".*, got "magic"/],
    ['epochs as text', { train: { epochs: 'ten' } }, /config\.train\.epochs: expected number, got string "ten"/],
    ['fractional batch size', { train: { batchSize: 12.5 } }, /config\.train\.batchSize: .*integer.*12\.5/],
    ['unknown field', { train: { epoch: 3 } }, /config\.train: unknown field "epoch"/],
    ['empty hidden sizes', { student: { model: { arch: 'mlp', hidden: [] } } }, /config\.student\.model\.hidden: expected an array with at least 1 items, got \[\]/],
    ['bad backend', { backend: 'gpu' }, /config\.backend: expected one of "auto", "tfjs-node", "wasm", "cpu", got "gpu"/],
    ['csv without a path', { data: { dataset: { kind: 'csv' } } }, /config\.data\.dataset\.train: expected string, got nothing/],
    ['resnet depth not 6n+2', { teacher: { model: { arch: 'resnet', depth: 10 } } }, /config\.teacher\.model\.depth/],
  ];
  for (const [name, input, pattern] of cases) {
    test(`rejects ${name}, naming the field, the expectation and the value`, () => {
      const problems = problemsOf(input);
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `no problem matched ${pattern}:\n${problems.join('\n')}`,
      );
    });
  }

  test('reports every bad field at once', () => {
    const problems = problemsOf({ seed: -1, train: { learningRate: 0 } });
    assert.equal(problems.length, 2, problems.join('\n'));
  });
});
