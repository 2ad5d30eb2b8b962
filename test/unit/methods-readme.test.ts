import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { METHOD_LIST } from '../../src/shared/methods';

/** The rows of the README's Methods table: the method's name and its command's title. */
function readmeMethods(): { name: string; command: string }[] {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = /^## Methods\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => ({ name: m[1], command: m[2].trim() }));
}

test('the README’s Methods table lists exactly the methods, in order, each with its command’s title', () => {
  assert.deepEqual(
    readmeMethods(),
    METHOD_LIST.map((m) => ({ name: m.name, command: m.command.title })),
  );
});
