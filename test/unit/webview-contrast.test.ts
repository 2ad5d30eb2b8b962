// The heatmaps' colour arithmetic: WCAG contrast and the strongest accent a cell may take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contrastRatio, mix, parseColor, strongestMix } from '../../webview/contrast';

test('colours parse from hex (3, 6 and 8 digits) and rgb()/rgba()', () => {
  assert.deepEqual(parseColor('#fff'), [255, 255, 255]);
  assert.deepEqual(parseColor('#3794ff'), [0x37, 0x94, 0xff]);
  assert.deepEqual(parseColor('#ffffff12'), [255, 255, 255]);
  assert.deepEqual(parseColor('rgba(204, 204, 204, 0.5)'), [204, 204, 204]);
  assert.equal(parseColor('var(--x)'), undefined);
});

test('WCAG contrast: black on white is 21:1, a colour on itself 1:1, #767676 on white just above 4.5:1', () => {
  assert.equal(contrastRatio([0, 0, 0], [255, 255, 255]), 21);
  assert.equal(contrastRatio([10, 20, 30], [10, 20, 30]), 1);
  // #767676 is the lightest grey that passes AA on white (4.54:1).
  const grey = contrastRatio([0x76, 0x76, 0x76], [255, 255, 255]);
  assert.ok(grey > 4.5 && grey < 4.6, String(grey));
});

test('the strongest mix keeps the label readable, and one step more would not', () => {
  const background: [number, number, number] = [0x1f, 0x1f, 0x1f];
  const text: [number, number, number] = [0xcc, 0xcc, 0xcc];
  const accent: [number, number, number] = [0x37, 0x94, 0xff];
  const amount = strongestMix(accent, background, text);
  assert.ok(amount > 0 && amount < 1, String(amount));
  assert.ok(contrastRatio(text, mix(accent, background, amount)) >= 4.6);
  assert.ok(contrastRatio(text, mix(accent, background, amount + 0.01)) < 4.6);
  assert.equal(strongestMix(accent, [0x80, 0x80, 0x80], [0x90, 0x90, 0x90]), 0, 'text unreadable on the background itself: no colour at all');
});
