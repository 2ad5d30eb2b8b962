// A demo run with another method than the demo's own is filed under a name that says that method
// (the method commands' quick pick, `distill-lab demo --method`, `demo-text --method`); the text
// demo's names say "text", so image and text runs of one method land in different experiments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CONFIG, DEMO_TEXT_CONFIG } from '../../src/cli/demo-config';
import { demoName, demoWithMethod, nameDemoRun } from '../../src/cli/demo-name';
import { configFromArgs } from '../../src/cli/run-flags';
import { parseExperimentConfig } from '../../src/shared/protocol';

const cliConfig = (args: string[], demo: typeof DEMO_CONFIG) => parseExperimentConfig(nameDemoRun(configFromArgs(args, demo).config, demo));

test("a demo with its own method keeps the demo's name", () => {
  assert.equal(demoName(DEMO_CONFIG, 'kd'), DEMO_CONFIG.name);
  assert.equal(demoName(DEMO_TEXT_CONFIG, 'distilbert'), DEMO_TEXT_CONFIG.name);
  assert.equal(demoWithMethod(DEMO_TEXT_CONFIG, 'distilbert'), DEMO_TEXT_CONFIG);
});

test('the text demo with another method (a method command picking it): named demo-text-<method>, everything else the demo', () => {
  for (const method of ['tinybert', 'pkd', 'minilm', 'kd', 'multi-teacher'] as const) {
    const config = demoWithMethod(DEMO_TEXT_CONFIG, method);
    assert.equal(config.name, `demo-text-${method}`);
    assert.deepEqual(config.method, { name: method }, "the method's defaults");
    const { name: _name, method: _method, ...rest } = config;
    const { name: _demoName, method: _demoMethod, ...demoRest } = DEMO_TEXT_CONFIG;
    assert.deepEqual(rest, demoRest);
    assert.equal(parseExperimentConfig(config).name, `demo-text-${method}`, 'a valid experiment name');
  }
  assert.equal(DEMO_TEXT_CONFIG.method?.name, 'distilbert', 'the demo itself is unchanged');
});

test('the image demo with another method: named demo-<method>, as its own is demo-kd', () => {
  assert.equal(DEMO_CONFIG.name, `demo-${DEMO_CONFIG.method?.name}`);
  assert.equal(demoWithMethod(DEMO_CONFIG, 'fitnet').name, 'demo-fitnet');
  assert.equal(demoWithMethod(DEMO_CONFIG, 'multi-teacher').name, 'demo-multi-teacher');
});

test('distill-lab demo-text / demo: --method and --set method.name name the run for the method; --name wins; no method flag keeps the name', () => {
  assert.equal(cliConfig(['--method', 'tinybert', '--epochs', '1'], DEMO_TEXT_CONFIG).name, 'demo-text-tinybert');
  assert.equal(cliConfig(['--set', 'method.name=minilm'], DEMO_TEXT_CONFIG).name, 'demo-text-minilm');
  assert.equal(cliConfig(['--method', 'distilbert'], DEMO_TEXT_CONFIG).name, DEMO_TEXT_CONFIG.name);
  assert.equal(cliConfig(['--epochs', '1'], DEMO_TEXT_CONFIG).name, DEMO_TEXT_CONFIG.name);
  assert.equal(cliConfig(['--method', 'tinybert', '--name', 'mine'], DEMO_TEXT_CONFIG).name, 'mine');
  assert.equal(cliConfig(['--method', 'dkd'], DEMO_CONFIG).name, 'demo-dkd');
  assert.equal(cliConfig([], DEMO_CONFIG).name, DEMO_CONFIG.name);
});
