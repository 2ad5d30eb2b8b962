import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { METHOD_LIST } from '../../src/shared/methods';

interface DeclaredCommand {
  command: string;
  title: string;
  category?: string;
}

const declared: DeclaredCommand[] = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).contributes.commands;

/** Commands that start something without being a method. */
const NOT_METHODS = new Set(['distill.runDemo', 'distill.runStudyFromFile']);

test('package.json declares every method’s command with the descriptor’s title, in the Distill category', () => {
  for (const { name, command } of METHOD_LIST) {
    const entry = declared.find((c) => c.command === command.id);
    assert.ok(entry, `${name}: ${command.id} is in contributes.commands`);
    assert.equal(entry.title, command.title, `${command.id}'s title`);
    assert.equal(entry.category, 'Distill', `${command.id}'s category`);
  }
});

test('every method command package.json declares belongs to a method', () => {
  const ids = new Set(METHOD_LIST.map((m) => m.command.id));
  const methodLike = declared.map((c) => c.command).filter((id) => /^distill\.(run[A-Z]|trainTeacher$)/.test(id) && !NOT_METHODS.has(id));
  assert.deepEqual(
    methodLike.filter((id) => !ids.has(id)),
    [],
    'declared, but no descriptor names them',
  );
});

test('no two methods share a name or a command', () => {
  for (const key of [(m: (typeof METHOD_LIST)[number]) => m.name, (m: (typeof METHOD_LIST)[number]) => m.command.id]) {
    const values = METHOD_LIST.map(key);
    assert.deepEqual(
      values.filter((v, i) => values.indexOf(v) !== i),
      [],
    );
  }
});
