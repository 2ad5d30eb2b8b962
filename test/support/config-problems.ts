import assert from 'node:assert/strict';
import { ConfigError, parseExperimentConfig } from '../../src/shared/protocol';

/** The problems a config is rejected with (fails if it is accepted). */
export function configProblems(input: unknown): string[] {
  try {
    parseExperimentConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}
