import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ExperimentConfig, MethodConfig, parseExperimentConfig } from '../../src/shared/protocol';
import { methodDescriptors } from '../../webview/methods';
import { defaultOf, fieldSchema, literalChoices, variantDefaults, variantKeys, variantNames, variantOf } from '../../webview/schema-defaults';

describe('the form’s method table against the config schema', () => {
  test('every method in the table is in the schema, with parameters the schema knows', () => {
    const names = variantNames(MethodConfig);
    for (const method of methodDescriptors()) {
      assert.ok(names.includes(method.name), `${method.name} is not a MethodConfig variant`);
      const keys = variantKeys(MethodConfig, method.name);
      for (const param of method.params) assert.ok(keys.includes(param.key), `${method.name}.${param.key} is not in the schema`);
      assert.ok(method.summary && method.reference, `${method.name} has a summary and a reference`);
    }
  });

  test('switching the method gives the schema’s own defaults, which parse', () => {
    for (const method of methodDescriptors()) {
      const defaults = variantDefaults(MethodConfig, method.name);
      assert.deepEqual(parseExperimentConfig({ method: defaults }).method, MethodConfig.parse({ name: method.name }));
    }
    assert.deepEqual(variantDefaults(MethodConfig, 'kd'), { name: 'kd', temperature: 4, alpha: 0.9 });
  });

  const missing = variantNames(MethodConfig).filter((name) => !methodDescriptors().some((m) => m.name === name));
  test('every method of the schema has an entry in the form’s table', { todo: missing.length ? `add to webview/methods.ts: ${missing.join(', ')}` : false }, () => {
    assert.deepEqual(missing, []);
  });

  test('field schemas resolve through unions by the config’s variant, or the default one', () => {
    assert.equal(defaultOf(fieldSchema(ExperimentConfig, 'train.optimizer.beta1', {})), 0.9);
    assert.equal(defaultOf(fieldSchema(ExperimentConfig, 'train.optimizer.momentum', { train: { optimizer: { kind: 'sgd' } } })), 0.9);
    assert.equal(fieldSchema(ExperimentConfig, 'train.optimizer.momentum', {}), undefined);
    assert.equal(variantOf(ExperimentConfig, 'train.schedule', 'kind', {}), 'constant');
    assert.equal(variantOf(ExperimentConfig, 'teacher.model', 'arch', {}), 'cnn');
    assert.equal(variantOf(ExperimentConfig, 'method.transfer', 'kind', { method: { name: 'unlabeled' } }), undefined);
    assert.deepEqual(literalChoices(fieldSchema(ExperimentConfig, 'teacher.model.depth', { teacher: { model: { arch: 'resnet' } } })), [8, 14, 20, 32, 56]);
    assert.deepEqual(literalChoices(fieldSchema(ExperimentConfig, 'backend', {})), ['auto', 'tfjs-node', 'wasm', 'cpu']);
    assert.equal(literalChoices(z.number()), undefined);
  });
});
