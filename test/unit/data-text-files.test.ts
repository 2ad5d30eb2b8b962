import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadDataset } from '../../src/core/data/load';
import { readTextFile } from '../../src/core/data/text/read-text-file';
import { prepareData } from '../../src/core/run/prepare-data';
import { DataConfig, DatasetSpec } from '../../src/shared/protocol';

const dir = mkdtempSync(join(tmpdir(), 'data-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

const fields = { textField: 'text', labelField: 'label' };

const problem = (file: string, expected: RegExp, f = fields) =>
  assert.throws(
    () => readTextFile(file, f),
    (e: Error) => {
      assert.match(e.message, expected);
      assert.ok(e.message.includes(file), e.message);
      return true;
    },
  );

test('CSV: quoted fields with commas, quotes and line breaks; the header names the fields; extra columns ignored', () => {
  const file = write('a.csv', 'id,label,text\n1,spam,"Buy now, ""cheap""!"\n2,ham,"line one\nline two"\n\n3,ham,plain\n');
  const records = readTextFile(file, fields);
  assert.deepEqual(records.texts, ['Buy now, "cheap"!', 'line one\nline two', 'plain']);
  assert.deepEqual(records.labels, ['spam', 'ham', 'ham']);
  assert.deepEqual(records.lines, [2, 3, 6]);
  // Windows line endings and a byte order mark: the same lines an editor shows.
  const crlf = readTextFile(write('crlf.csv', '\uFEFFtext,label\r\nhé,a\r\n\r\n"x\r\ny",b\r\n\r\n\r\nq,c'), fields);
  assert.deepEqual(crlf.texts, ['hé', 'x\ny', 'q']);
  assert.deepEqual(crlf.lines, [2, 4, 8]);
  problem(write('crlf-bad.csv', 'text,label\r\nhi,a\r\n\r\n"x\r\ny",b\r\nz,\r\n'), /expected a label \(a class name or an integer\) at line 6, field "label"/);
});

test('TSV and JSON Lines (also gzipped); other field names; integer labels', () => {
  const tsv = readTextFile(write('b.tsv', 'body\tclass\nhello there\t1\nbye\t0\n'), { textField: 'body', labelField: 'class' });
  assert.deepEqual(tsv.texts, ['hello there', 'bye']);
  assert.deepEqual(tsv.labels, ['1', '0']);
  const jsonl = readTextFile(write('c.jsonl.gz', gzipSync('{"text":"a b","label":2}\n\n{"label":"x","text":"c"}\n')), fields);
  assert.deepEqual(jsonl.texts, ['a b', 'c']);
  assert.deepEqual(jsonl.labels, ['2', 'x']);
  assert.deepEqual(jsonl.lines, [1, 3]);
});

test('bad files: the error names the file, the line, the field and what was expected', () => {
  problem(write('d.txt', 'x'), /expected a name ending in \.csv, \.tsv or \.jsonl \(optionally \.gz\), found "\.txt"/);
  problem(write('e.csv', 'text,kind\nhi,ham\n'), /expected a column named "label" in the header \(line 1\), found "text", "kind"/);
  problem(write('f.csv', 'text,label\nhi,ham\n"",spam\n'), /expected text at line 3, field "text", found an empty value/);
  problem(write('g.csv', 'text,label\nhi,ham\nthere,\n'), /expected a label \(a class name or an integer\) at line 3, field "label", found ""/);
  problem(write('h.csv', 'text,label\nhi,ham,extra\n'), /expected comma-separated rows with a header, found a parse error: .*line 2/);
  problem(write('i.jsonl', '{"text":"a","label":"x"}\n{"text":"b",\n'), /expected a JSON object at line 2, found invalid JSON/);
  problem(write('j.jsonl', '{"text":"a","label":"x"}\n[1,2]\n'), /expected a JSON object at line 2, found an array/);
  problem(write('k.jsonl', '{"text":3,"label":"x"}\n'), /expected text at line 1, field "text", found number 3/);
  problem(write('l.jsonl', '{"text":"a","label":1.5}\n'), /expected a label \(a class name or an integer\) at line 1, field "label", found number 1\.5/);
  problem(write('m.jsonl', '{"text":"a"}\n'), /expected a label .* at line 1, field "label", found nothing/);
  problem(write('n.tsv', 'text\tlabel\n'), /expected at least one record with fields "text" and "label", found none/);
  problem(join(dir, 'missing.csv'), /Text file not found/);
});

test('loadDataset: a text spec gives token rows, sorted class names, the messages and a stray integer label named by line', async () => {
  write('train.csv', 'text,label\nthe cat sat,pets\nbuy cheap pills now,spam\nthe dog ran,pets\n');
  write('test.jsonl', '{"text":"a cat ran","label":"pets"}\n');
  const ds = await loadDataset({ kind: 'text', train: 'train.csv', test: 'test.jsonl', maxLength: 8 }, { baseDir: dir });
  assert.equal(ds.name, 'train');
  assert.deepEqual(ds.classNames, ['pets', 'spam']);
  assert.deepEqual(ds.inputShape, [8]);
  assert.deepEqual([...ds.train.y], [0, 1, 0]);
  assert.equal(ds.train.x.length, 3 * 8);
  assert.deepEqual(ds.text?.texts, { train: ['the cat sat', 'buy cheap pills now', 'the dog ran'], test: ['a cat ran'] });
  const row = (x: Float32Array, r: number) => Array.from(x.subarray(r * 8, r * 8 + 8), (id) => ds.text!.tokens[id]);
  assert.deepEqual(row(ds.train.x, 0), ['[CLS]', 'the', 'cat', 'sat', '[SEP]', '[PAD]', '[PAD]', '[PAD]']);
  // "a" is in no training text: UNK in the test split.
  assert.deepEqual(row(ds.test!.x, 0), ['[CLS]', '[UNK]', 'cat', 'ran', '[SEP]', '[PAD]', '[PAD]', '[PAD]']);

  write('stray.csv', 'text,label\na,0\nb,1\nc,1\nd,99999\n');
  await assert.rejects(loadDataset({ kind: 'text', train: 'stray.csv' }, { baseDir: dir }), /Text file .*stray\.csv: expected class labels from 0 to 9999, found 99999 at line 5, field "label"/);
});

test('maxLength and minTokenCount belong to text sets: out of range refused by the schema, on an image set refused by name', async () => {
  await assert.rejects(loadDataset({ kind: 'text', train: 'train.csv', maxLength: 2 }, { baseDir: dir }), /maxLength/);
  await assert.rejects(loadDataset({ kind: 'builtin', maxLength: 64 }), /data\.dataset\.maxLength: applies to text data sets only, not to fashion-mnist-small/);
  await assert.rejects(loadDataset({ kind: 'builtin', minTokenCount: 2 }), /data\.dataset\.minTokenCount: applies to text data sets only, not to fashion-mnist-small/);
});

test('a text transfer set is read in the training data vocabulary: its tokens by name, others UNK', async () => {
  write('t-train.csv', 'text,label\nthe cat sat,pets\nbuy pills,spam\nthe dog sat,pets\ncheap pills,spam\n');
  write('t-test.csv', 'text,label\na cat,pets\n');
  write('t-transfer.jsonl', '{"text":"pills for the dog","label":"x"}\n{"text":"sat","label":"y"}\n');
  const data = await prepareData(
    DataConfig.parse({ dataset: { kind: 'text', train: 't-train.csv', test: 't-test.csv', maxLength: 7 }, validationSplit: 0.5 }),
    0,
    dir,
    DatasetSpec.parse({ kind: 'text', train: 't-transfer.jsonl', maxLength: 7 }),
  );
  // The vocabulary is that of the two training messages left after validation: the transfer set's other words are UNK.
  const tokens = Array.from(data.transfer!.x, (id) => data.text!.tokens[id]);
  const seen = new Set(data.text!.tokens);
  const expected = (words: string[]) => ['[CLS]', ...words.map((w) => (seen.has(w) ? w : '[UNK]')), '[SEP]', ...Array(5 - words.length).fill('[PAD]')];
  assert.deepEqual(tokens, [...expected(['pills', 'for', 'the', 'dog']), ...expected(['sat'])]);
  assert.equal(data.text!.vocabSize, 4 + new Set(data.text!.texts.train.flatMap((t) => t.split(' '))).size);
  await assert.rejects(
    prepareData(
      DataConfig.parse({ dataset: { kind: 'text', train: 't-train.csv', test: 't-test.csv', maxLength: 7 } }),
      0,
      dir,
      DatasetSpec.parse({ kind: 'text', train: 't-transfer.jsonl', maxLength: 9 }),
    ),
    /method\.transfer: expected inputs of shape \[7\]/,
  );
});
