import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { configFromArgs } from '../../src/cli/run-flags';
import { parseExperimentConfig } from '../../src/shared/protocol';

test('--threads N sets train.threads, which the teacher inherits; auto takes every core; 0 is refused naming the field', () => {
  const parsed = parseExperimentConfig(configFromArgs(['--threads', '2']).config);
  assert.equal(parsed.train.threads, 2);
  assert.equal(configFromArgs(['--threads', 'auto']).config.train?.threads, availableParallelism());
  assert.equal(parseExperimentConfig({}).train.threads, undefined, 'absent: one thread, as before');
  assert.throws(() => parseExperimentConfig(configFromArgs(['--threads', '0']).config), /config\.train\.threads: expected/);
  assert.throws(() => configFromArgs(['--threads', 'many']), /--threads: expected a number, got "many"/);
});
