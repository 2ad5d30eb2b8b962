import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRateAt } from '../../src/core/train/schedule';
import { parseExperimentConfig } from '../../src/shared/protocol';

test('the quick recipe is the default and keeps the defaults of before: Adam 1e-3, constant, no decay, no augmentation', () => {
  const config = parseExperimentConfig({});
  assert.equal(config.recipe, 'quick');
  assert.deepEqual(config.train.optimizer, { kind: 'adam', beta1: 0.9, beta2: 0.999 });
  assert.equal(config.train.learningRate, 1e-3);
  assert.deepEqual(config.train.schedule, { kind: 'constant' });
  assert.equal(config.train.weightDecay, 0);
  assert.equal(config.train.augment, undefined);
});

test('the reference recipe is RepDistiller’s: SGD 0.05 momentum 0.9, wd 5e-4, ×0.1 at 62.5/75/87.5 %, crop 4 + flip', () => {
  const config = parseExperimentConfig({ recipe: 'reference', train: { epochs: 240 } });
  assert.deepEqual(config.train.optimizer, { kind: 'sgd', momentum: 0.9 });
  assert.equal(config.train.learningRate, 0.05);
  assert.equal(config.train.weightDecay, 5e-4);
  assert.deepEqual(config.train.augment, { cropPadding: 4, horizontalFlip: true });
  // RepDistiller: lr 0.05 for epochs 1–150, 0.005 for 151–180, 5e-4 for 181–210, 5e-5 after (0-based epoch 150 is its 151st).
  const rate = (epoch: number) => learningRateAt(config.train, epoch);
  assert.equal(rate(0), 0.05);
  assert.equal(rate(149), 0.05);
  assert.ok(Math.abs(rate(150) - 0.005) < 1e-12);
  assert.ok(Math.abs(rate(179) - 0.005) < 1e-12);
  assert.ok(Math.abs(rate(180) - 0.0005) < 1e-12);
  assert.ok(Math.abs(rate(210) - 0.00005) < 1e-12);
  assert.ok(Math.abs(rate(239) - 0.00005) < 1e-12);
});

test('a field the config gives wins over its recipe; an unknown recipe names the field', () => {
  const config = parseExperimentConfig({ recipe: 'reference', train: { learningRate: 0.1, optimizer: { kind: 'adam' } } });
  assert.equal(config.train.learningRate, 0.1);
  assert.equal(config.train.optimizer.kind, 'adam');
  assert.equal(config.train.weightDecay, 5e-4);
  assert.throws(() => parseExperimentConfig({ recipe: 'fast' }), /config\.recipe: expected one of "quick", "reference", got "fast"/);
});
