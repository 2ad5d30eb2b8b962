// The experiment a demo's run is filed under. A demo with its own method keeps its own name
// (demo-kd, demo-distilbert); with another method (a method command's quick pick, `--method`,
// `--set method.name=…`) the name says that method, and the text demo's says "text" as well, so a
// method's image and text demo runs are not filed together: demo-fitnet, demo-text-tinybert.
import { isTextDataset, type ExperimentConfigInput } from '../shared/protocol';

const methodOf = (config: ExperimentConfigInput): string => config.method?.name ?? 'kd';

function isTextDemo(demo: ExperimentConfigInput): boolean {
  const dataset = demo.data?.dataset;
  if (!dataset) return false;
  return isTextDataset({ kind: dataset.kind ?? 'builtin', name: 'name' in dataset ? dataset.name : undefined });
}

/** The experiment name of `demo` run with `method`. */
export function demoName(demo: ExperimentConfigInput, method: string): string {
  if (method === methodOf(demo)) return demo.name ?? 'experiment';
  return `${isTextDemo(demo) ? 'demo-text' : 'demo'}-${method}`;
}

/** `demo` with `method` (that method's defaults) in place of its own, named for it. */
export function demoWithMethod(demo: ExperimentConfigInput, method: string): ExperimentConfigInput {
  if (method === demo.method?.name) return demo;
  return { ...demo, name: demoName(demo, method), method: { name: method } as ExperimentConfigInput['method'] };
}

/**
 * `config`, the demo with command-line flags laid over it, named for the method it runs; a name
 * the flags gave (`--name`, `--set name=…`) is kept.
 */
export function nameDemoRun(config: ExperimentConfigInput, demo: ExperimentConfigInput): ExperimentConfigInput {
  if (config.name !== demo.name) return config;
  return { ...config, name: demoName(demo, methodOf(config)) };
}
