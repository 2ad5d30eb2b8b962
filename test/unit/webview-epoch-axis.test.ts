// The run charts' epoch tick labels (webview/epoch-axis.ts): whole epochs as integers, fractions
// of an epoch with at most two decimals, whatever floating-point noise the tick values carry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochTick } from '../../webview/epoch-axis';

test('whole epochs read as integers, also with floating-point noise in the tick value', () => {
  assert.equal(epochTick(1), '1');
  assert.equal(epochTick(12), '12');
  assert.equal(epochTick(0.1 + 0.2 + 0.7), '1');
  assert.equal(epochTick(1.0000000000000002), '1');
  assert.equal(epochTick(2.9999999999999996), '3');
  assert.equal(epochTick(0), '0');
  assert.equal(epochTick(-0.001), '0');
});

test('fractions of an epoch keep at most two decimals, without trailing zeros', () => {
  assert.equal(epochTick(0.5), '0.5');
  assert.equal(epochTick(0.25), '0.25');
  assert.equal(epochTick(0.95), '0.95');
  assert.equal(epochTick(1 / 3), '0.33');
  assert.equal(epochTick(1.05), '1.05');
  assert.equal(epochTick(0.5 + 0.1 + 0.1 + 0.1), '0.8');
});

test('chart.js may pass the value as a string; what is not a number is shown as given', () => {
  assert.equal(epochTick('1.5000000001'), '1.5');
  assert.equal(epochTick('x'), 'x');
});
