// Where the settings meet a run's config, for every run the extension starts: merged here, then
// parsed once. distill.backend applies to a config that leaves the backend open — no `backend`,
// or `auto` (the dashboard form's default); a config naming tfjs-node, wasm or cpu keeps it.
import { parseExperimentConfig, type ExperimentConfig } from '../../shared/protocol';
import type { Settings } from '../settings';

export function resolveRunConfig(input: unknown, settings: Pick<Settings, 'backend'>): ExperimentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return parseExperimentConfig(input);
  const { backend } = input as { backend?: unknown };
  return parseExperimentConfig(backend === undefined || backend === 'auto' ? { ...input, backend: settings.backend } : input);
}
