// The text demo's config (npm run demo:text, distill-lab demo-text, the walkthrough's step): it
// parses, it is the text set with transformers DistilBERT can initialise, and every place that
// starts it starts this one config.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEMO_TEXT_CONFIG } from '../../src/cli/demo-config';
import { configFromArgs } from '../../src/cli/run-flags';
import { isTextDataset, parseExperimentConfig } from '../../src/shared/protocol';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('the text demo parses: the built-in text set, transformers, DistilBERT with the student half as deep and as wide as the teacher', () => {
  const config = parseExperimentConfig(DEMO_TEXT_CONFIG);
  assert.ok(isTextDataset(config.data.dataset));
  assert.equal(config.method.name, 'distilbert');
  assert.equal(config.baseline, true, 'the table has the scratch student beside the distilled one');
  const { teacher, student } = { teacher: config.teacher.model, student: config.student.model };
  assert.ok(teacher.arch === 'transformer' && student.arch === 'transformer');
  assert.equal(student.hidden, teacher.hidden, "DistilBERT's initialisation from the teacher needs the same width");
  assert.equal(student.layers * 2, teacher.layers, 'every other teacher layer');
});

test('run flags change the text demo as they change the image demo', () => {
  const config = parseExperimentConfig(configFromArgs(['--epochs', '1', '--limit-train', '500'], DEMO_TEXT_CONFIG).config);
  assert.equal(config.train.epochs, 1);
  assert.equal(config.data.limitTrain, 500);
  assert.equal(config.method.name, 'distilbert');
});

test('npm run demo:text and the walkthrough step start this config', () => {
  assert.match(pkg.scripts['demo:text'], /node dist\/cli\.js demo-text$/);
  const steps = pkg.contributes.walkthroughs.flatMap((w: { steps: { id: string; description: string }[] }) => w.steps);
  const step = steps.find((s: { id: string }) => s.id === 'distill.runTextDemo');
  assert.ok(step, 'a walkthrough step runs the text demo');
  const link = /\(command:distill\.newExperiment\?([^)]+)\)/.exec(step.description);
  assert.ok(link, step.description);
  assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [DEMO_TEXT_CONFIG]);
});
