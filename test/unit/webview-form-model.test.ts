import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getAt, mapProblems, parseListText, parseNumberText, setAt, validate } from '../../webview/form-model';

describe('form model', () => {
  test('number text: empty is unset, numbers are numbers, anything else stays text for the schema to name', () => {
    assert.equal(parseNumberText(''), undefined);
    assert.equal(parseNumberText(' 2e-3 '), 0.002);
    assert.equal(parseNumberText('fast'), 'fast');
    assert.deepEqual(parseListText('256, 128 64'), [256, 128, 64]);
    assert.deepEqual(parseListText('32, x'), [32, 'x']);
    assert.equal(parseListText('  '), undefined);
  });

  test('paths set and remove values, creating objects on the way', () => {
    const config: Record<string, unknown> = {};
    setAt(config, 'train.optimizer.kind', 'sgd');
    assert.deepEqual(config, { train: { optimizer: { kind: 'sgd' } } });
    assert.equal(getAt(config, 'train.optimizer.kind'), 'sgd');
    setAt(config, 'train.optimizer.kind', undefined);
    assert.deepEqual(config, { train: { optimizer: {} } });
    assert.equal(getAt(config, 'nothing.here'), undefined);
  });

  test('the schema’s problems land on the nearest field that has an input', () => {
    const result = validate({ train: { epochs: 0 }, student: { model: { arch: 'mlp', hidden: [8, -1] } }, surprise: true });
    assert.equal(result.ok, false);
    const problems = result.ok ? [] : result.problems;
    const mapped = mapProblems(problems, new Set(['train.epochs', 'student.model.hidden']));
    assert.deepEqual(mapped.fields.get('train.epochs'), ['expected more than 0, got 0']);
    assert.deepEqual(mapped.fields.get('student.model.hidden'), ['1: expected more than 0, got -1']);
    assert.deepEqual(mapped.general, ['config: unknown field "surprise"']);
  });

  test('a valid form gives the parsed config with defaults', () => {
    const result = validate({ method: { name: 'kd' } });
    assert.ok(result.ok);
    assert.deepEqual(result.config.method, { name: 'kd', temperature: 4, alpha: 0.9 });
  });
});
