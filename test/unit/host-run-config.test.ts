// resolveRunConfig: where distill.backend meets a run's config, for every run the extension starts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/shared/protocol';
import { resolveRunConfig } from '../../src/host/training/run-config';

describe('resolveRunConfig (distill.backend and a run config)', () => {
  test('a config without a backend takes the setting', () => {
    assert.equal(resolveRunConfig({ name: 'x' }, { backend: 'cpu' }).backend, 'cpu');
  });

  test("'auto' in the config (the dashboard form's default) leaves the choice to the setting", () => {
    assert.equal(resolveRunConfig({ name: 'x', backend: 'auto' }, { backend: 'wasm' }).backend, 'wasm');
    assert.equal(resolveRunConfig({ name: 'x', backend: 'auto' }, { backend: 'auto' }).backend, 'auto');
  });

  test('a backend the config names wins over the setting', () => {
    assert.equal(resolveRunConfig({ name: 'x', backend: 'cpu' }, { backend: 'wasm' }).backend, 'cpu');
  });

  test('the result is the parsed config, with defaults filled in and the input left alone', () => {
    const input = { name: 'x', method: { name: 'kd' } };
    const config = resolveRunConfig(input, { backend: 'cpu' });
    assert.deepEqual(config.method, { name: 'kd', temperature: 4, alpha: 0.9 });
    assert.deepEqual(input, { name: 'x', method: { name: 'kd' } });
  });

  test('a bad config, or a bad backend in it, is a ConfigError naming the field', () => {
    assert.throws(
      () => resolveRunConfig({ backend: 'gpu' }, { backend: 'cpu' }),
      (error: unknown) => error instanceof ConfigError && /config\.backend: expected one of "auto", "tfjs-node", "wasm", "cpu", got "gpu"/.test(error.message),
    );
    assert.throws(
      () => resolveRunConfig('kd', { backend: 'cpu' }),
      (error: unknown) => error instanceof ConfigError && /config: expected object, got string/.test(error.message),
    );
  });
});
