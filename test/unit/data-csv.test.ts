import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from '../../src/core/data/load';

const dir = mkdtempSync(join(tmpdir(), 'data-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

test('label column by name, string labels mapped to sorted class indices', async () => {
  write('iris.csv', 'sepal,species,petal\n1.5,virginica,0.2\n2,setosa,-3e-1\n 4 , versicolor ,5\n\n7,setosa,8\n');
  write('iris-test.csv', 'sepal,species,petal\n1,versicolor,2\n');
  const ds = await loadDataset({ kind: 'csv', train: 'iris.csv', test: 'iris-test.csv', labelColumn: 'species' }, { baseDir: dir });
  assert.equal(ds.name, 'iris');
  assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(ds.inputShape, [2]);
  assert.equal(ds.train.count, 4);
  assert.deepEqual([...ds.train.y], [2, 0, 1, 0]);
  assert.deepEqual([...ds.train.x], [1.5, 0.2, 2, -0.3, 4, 5, 7, 8].map(Math.fround));
  assert.deepEqual([...(ds.test?.y ?? [])], [1]);
  assert.deepEqual([...(ds.test?.x ?? [])], [1, 2]);
});

test('label column by index with integer labels; default column "label"', async () => {
  write('ints.csv', 'a,b,c\n0.5,1,3\n1.5,2,0\n');
  const ds = await loadDataset({ kind: 'csv', train: 'ints.csv', labelColumn: 2 }, { baseDir: dir });
  assert.deepEqual(ds.classNames, ['0', '1', '2', '3']);
  assert.deepEqual([...ds.train.y], [3, 0]);
  assert.deepEqual([...ds.train.x], [0.5, 1, 1.5, 2]);
  write('default.csv', 'label,f\n1,9\n0,8\n');
  const byDefault = await loadDataset({ kind: 'csv', train: 'default.csv' }, { baseDir: dir });
  assert.deepEqual([...byDefault.train.y], [1, 0]);
  assert.deepEqual([...byDefault.train.x], [9, 8]);
});

test('a non-numeric feature names the file, row and column', async () => {
  write('bad.csv', 'x,y,label\n1,2,a\n3,oops,b\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'bad.csv' }, { baseDir: dir }), (e: Error) => {
    assert.equal(e.message, `CSV file ${join(dir, 'bad.csv')}: expected a number in row 3, column "y" (1), found "oops"`);
    return true;
  });
  write('blank.csv', 'x,label\n,a\n1,b\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'blank.csv' }, { baseDir: dir }), /blank\.csv: expected a number in row 2, column "x" \(0\), found ""/);
});

test('missing label column, ragged rows, mismatched test header and missing file are reported', async () => {
  write('nolabel.csv', 'x,y\n1,2\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'nolabel.csv', labelColumn: 'class' }, { baseDir: dir }), /nolabel\.csv: expected a label column named "class", found columns "x", "y"/);
  await assert.rejects(loadDataset({ kind: 'csv', train: 'nolabel.csv', labelColumn: 5 }, { baseDir: dir }), /nolabel\.csv: expected label column index below 2/);
  write('ragged.csv', 'x,label\n1,a\n2\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'ragged.csv' }, { baseDir: dir }), /ragged\.csv: expected comma-separated rows/);
  write('train.csv', 'x,label\n1,a\n2,b\n');
  write('other.csv', 'z,label\n1,a\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'train.csv', test: 'other.csv' }, { baseDir: dir }), /other\.csv: expected the same columns as .*train\.csv/);
  await assert.rejects(loadDataset({ kind: 'csv', train: 'absent.csv' }, { baseDir: dir }), new RegExp(`CSV file not found: ${join(dir, 'absent.csv')}`));
});

test('an integer label beyond any class count is an error naming the row, not an "Invalid array length" crash', async () => {
  write('huge-label.csv', 'x,label\n1,0\n2,5000000000\n3,1\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'huge-label.csv' }, { baseDir: dir }), (e: Error) => {
    assert.equal(e.message, `CSV file ${join(dir, 'huge-label.csv')}: expected class labels from 0 to 9999, found 5000000000 at row 3, column "label" (1)`);
    return true;
  });
  write('stray-label.csv', 'x,label\n1,0\n2,1\n3,500\n4,2\n');
  await assert.rejects(loadDataset({ kind: 'csv', train: 'stray-label.csv' }, { baseDir: dir }), /stray-label\.csv: .*classes 3–499 \(497 of 501\).*the label 500 at training item 2 is far outside/);
});

test('a class only in the test split, or a gap in integer labels, is a warning', async () => {
  write('gap.csv', 'x,label\n1,0\n2,2\n');
  const gap = await loadDataset({ kind: 'csv', train: 'gap.csv' }, { baseDir: dir });
  assert.deepEqual(gap.classNames, ['0', '1', '2']);
  assert.match(gap.warnings?.[0] ?? '', /gap\.csv: no training samples for class 1 \(1 of 3\)/);
  write('named.csv', 'x,label\n1,cat\n2,dog\n');
  write('named-test.csv', 'x,label\n1,cat\n2,emu\n');
  const named = await loadDataset({ kind: 'csv', train: 'named.csv', test: 'named-test.csv' }, { baseDir: dir });
  assert.match(named.warnings?.[0] ?? '', /no training samples for class emu \(1 of 3\); emu only in the test split/);
});

test('errors do not echo a file’s bytes at length', async () => {
  const junk = `\u0001\u0002${'z'.repeat(500)}`;
  write('junk.csv', `x,label\n${junk},a\n`);
  await assert.rejects(loadDataset({ kind: 'csv', train: 'junk.csv' }, { baseDir: dir }), (e: Error) => {
    assert.match(e.message, /row 2, column "x" \(0\), found "\?\?z{22}…"$/);
    return true;
  });
  write('quote.csv', `x,label\n1,a\n2,b"${'q'.repeat(300)}"\n`);
  await assert.rejects(loadDataset({ kind: 'csv', train: 'quote.csv' }, { baseDir: dir }), (e: Error) => {
    assert.match(e.message, /quote\.csv: expected comma-separated rows/);
    assert.doesNotMatch(e.message, /q{30}/);
    return true;
  });
  write('wide.csv', `${Array.from({ length: 50 }, (_, i) => `c${i}`).join(',')}\n`);
  await assert.rejects(loadDataset({ kind: 'csv', train: 'wide.csv' }, { baseDir: dir }), /found columns "c0", .*"c19", … \(50 columns\)$/);
});
