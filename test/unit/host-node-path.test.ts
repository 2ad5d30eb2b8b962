import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { findExecutable, NodeNotFoundError, resolveNodePath } from '../../src/host/training/node-path';

describe("finding the trainer's Node binary (distill.nodePath)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'distill-node-path-'));
  const fakeNode = join(dir, 'mynode');
  writeFileSync(fakeNode, '#!/bin/sh\n');
  chmodSync(fakeNode, 0o755);
  const notExecutable = join(dir, 'plain');
  writeFileSync(notExecutable, '');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('takes a path as given when it is an executable file', () => {
    assert.equal(findExecutable(fakeNode), fakeNode);
    assert.equal(findExecutable(notExecutable), undefined);
    assert.equal(findExecutable(dir), undefined, 'a folder is not a binary');
  });

  test('looks a bare name up on PATH', () => {
    assert.equal(findExecutable('mynode', { PATH: `/nonexistent:${dir}` }), fakeNode);
    assert.equal(findExecutable('mynode', { PATH: '/nonexistent' }), undefined);
  });

  test('a missing binary is a NodeNotFoundError naming the setting', () => {
    assert.throws(
      () => resolveNodePath(join(dir, 'nope')),
      (error: unknown) => error instanceof NodeNotFoundError && /distill\.nodePath/.test(error.message),
    );
  });

  test('the default "node" off PATH falls back to this process when it is a real Node', () => {
    assert.equal(resolveNodePath('node', { PATH: '/nonexistent' }), process.execPath);
  });
});
