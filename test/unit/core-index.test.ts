import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as core from '../../src/core';

test('the engine exports every public loss function of the issue tracker by name', () => {
  const names = ['kdLoss', 'dkdLoss', 'attentionMap', 'attentionTransferLoss', 'sadAttentionMap', 'sadLoss', 'contrastLoss', 'ContrastMemory', 'dmlLoss', 'hintLoss', 'pkdLoss', 'cosineLoss', 'srrlLoss'];
  const exported = core as unknown as Record<string, unknown>;
  for (const name of names) assert.equal(typeof exported[name], 'function', `${name} is exported from src/core/index.ts`);
});
