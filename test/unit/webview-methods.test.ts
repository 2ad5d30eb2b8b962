import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ExperimentConfig, MethodConfig, parseExperimentConfig } from '../../src/shared/protocol';
import { METHOD_LIST } from '../../src/shared/methods';
import { methodDescriptors, methodUses } from '../../webview/methods';
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

  test('the table has every method of the schema, once, in the descriptors’ order', () => {
    assert.deepEqual(
      methodDescriptors().map((m) => m.name),
      METHOD_LIST.map((m) => m.name),
    );
    assert.deepEqual([...methodDescriptors().map((m) => m.name)].sort(), [...variantNames(MethodConfig)].sort());
  });

  test('every parameter of the schema has its help in the form, and nothing else does', () => {
    for (const method of methodDescriptors()) {
      assert.deepEqual(method.params.map((p) => p.key).sort(), variantKeys(MethodConfig, method.name).sort(), method.name);
      for (const param of method.params) assert.ok(param.label && param.help, `${method.name}.${param.key} has a label and help`);
    }
  });

  test('the teacher and student sections follow the method, SAD’s teacher only with KD', () => {
    assert.deepEqual(methodUses('teacher', { name: 'teacher' }), { teacher: true, student: false });
    assert.deepEqual(methodUses('dml', { name: 'dml' }), { teacher: false, student: true });
    assert.deepEqual(methodUses('born-again', {}), { teacher: true, student: false });
    assert.deepEqual(methodUses('sad', { name: 'sad' }), { teacher: false, student: true });
    assert.deepEqual(methodUses('sad', { name: 'sad', kdWeight: 0.5 }), { teacher: true, student: true });
    assert.deepEqual(methodUses('no-such-method', {}), { teacher: true, student: true });
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
