import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExperimentConfig, teacherTrainConfig } from '../../src/shared/protocol';
import { configProblems } from '../support/config-problems';

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
    ['an infinite temperature (JSON 1e999)', { method: { name: 'kd', temperature: JSON.parse('1e999') } }, /config\.method\.temperature: expected a finite number, got Infinity/],
    ['an infinite learning rate', { train: { learningRate: Infinity } }, /config\.train\.learningRate: expected a finite number, got Infinity/],
    ['NaN in a method field', { method: { name: 'dkd', beta: NaN } }, /config\.method\.beta: .*NaN/],
    ['epochs 1e9', { train: { epochs: 1e9 } }, /config\.train\.epochs: expected at most 10000, got 1000000000/],
    ['teacher epochs 1e9', { teacher: { train: { epochs: 1e9 } } }, /config\.teacher\.train\.epochs: expected at most 10000/],
    ['an absurd batch size', { train: { batchSize: 1e7 } }, /config\.train\.batchSize: expected at most 8192/],
    ['an absurd hidden size', { student: { model: { arch: 'mlp', hidden: [1e9] } } }, /config\.student\.model\.hidden\.0: expected at most 16384/],
    ['an absurd cnn width', { teacher: { model: { arch: 'cnn', widths: [32, 1e6] } } }, /config\.teacher\.model\.widths\.1: expected at most 4096/],
    ['an absurd image size', { data: { dataset: { kind: 'imageFolder', train: 'x', width: 1e6 } } }, /config\.data\.dataset\.width: expected at most 1024/],
    ['an unknown CIFAR-10 batch', { data: { dataset: { kind: 'cifar10', dir: 'x', batches: ['data_batch_9'] } } }, /config\.data\.dataset\.batches\.0: expected one of/],
    ['the name ..', { name: '..' }, /config\.name: expected one folder name .*, got "\.\."/],
    ['the name .', { name: '.' }, /config\.name: expected one folder name .*, got "\."/],
    ['a name with a slash', { name: 'a/b' }, /config\.name: expected one folder name/],
    ['a name with a backslash', { name: '..\\x' }, /config\.name: expected one folder name/],
    ['resnet depth not 6n+2', { teacher: { model: { arch: 'resnet', depth: 10 } } }, /config\.teacher\.model\.depth/],
  ];
  for (const [name, input, pattern] of cases) {
    test(`rejects ${name}, naming the field, the expectation and the value`, () => {
      const problems = configProblems(input);
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `no problem matched ${pattern}:\n${problems.join('\n')}`,
      );
    });
  }

  test('accepts ordinary names and sizes, and CIFAR-10 batches named explicitly', () => {
    const config = parseExperimentConfig({
      name: 'kd T=4 (run 2).v1',
      train: { epochs: 10000, batchSize: 8192 },
      data: { dataset: { kind: 'cifar10', dir: 'c', batches: ['data_batch_1', 'test_batch'] } },
    });
    assert.equal(config.name, 'kd T=4 (run 2).v1');
    assert.equal(config.train.epochs, 10000);
  });

  test('an infinite number is never written back as null', () => {
    const problems = configProblems({ method: { name: 'kd', temperature: Infinity } });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.doesNotMatch(problems[0], /null/);
  });

  test('reports every bad field at once', () => {
    const problems = configProblems({ seed: -1, train: { learningRate: 0 } });
    assert.equal(problems.length, 2, problems.join('\n'));
  });
});
