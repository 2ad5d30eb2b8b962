// run.json has one writer: src/shared/run-folder/status.ts. This reads every source file's syntax
// tree (comments do not count) and names each place that could write the record elsewhere.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { ROOT } from '../support/build';

const MODULE = 'src/shared/run-folder/';
const WRITER = 'src/shared/run-folder/status.ts';
const WRITE_CALL = /^(write|append|rename|copy|cp|rm|unlink|truncate|open|createWriteStream)/i;

/** `file:line: what` for every reach for run.json that `file` may not make. */
function recordWrites(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const inModule = file.startsWith(MODULE);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${what}`);
  const namesRecord = (node: ts.Node): boolean => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) return node.text.includes('run.json');
    if (ts.isIdentifier(node)) return node.text === 'RECORD_FILE' || node.text === 'recordPath';
    return ts.forEachChild(node, namesRecord) ?? false;
  };
  const calleeName = (call: ts.CallExpression) => (ts.isPropertyAccessExpression(call.expression) ? call.expression.name.text : ts.isIdentifier(call.expression) ? call.expression.text : '');
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && WRITE_CALL.test(calleeName(node)) && node.arguments.some(namesRecord) && file !== WRITER) {
      at(node, `${calleeName(node)}(…) on run.json`);
    }
    if (!inModule) {
      if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && node.text.includes('run.json')) at(node, 'names run.json');
      if (ts.isIdentifier(node) && node.text === 'RECORD_FILE') at(node, 'uses RECORD_FILE');
      // Showing the record to the user is the one use of its path outside the module.
      if (ts.isPropertyAccessExpression(node) && node.name.text === 'recordPath') {
        const parent = node.parent;
        const shown = ts.isCallExpression(parent) && ts.isPropertyAccessExpression(parent.expression) && parent.expression.getText(source) === 'vscode.Uri.file';
        if (!shown) at(node, 'uses recordPath other than to show it (vscode.Uri.file)');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path).split(sep).join('/')] : [];
  });
}

describe('run.json has one writer', () => {
  test('nothing in src/ outside the run-folder module names run.json, and only status.ts writes it', () => {
    const files = sourceFiles(join(ROOT, 'src'));
    assert.ok(files.includes(WRITER) && files.length > 50, `read ${files.length} files`);
    const found = files.flatMap((file) => recordWrites(file, readFileSync(join(ROOT, file), 'utf8')));
    assert.deepEqual(found, []);
  });

  test('the check finds each way of writing run.json from elsewhere, and lets comments and showing it pass', () => {
    const elsewhere = 'src/host/somewhere.ts';
    const cases: [string, number][] = [
      ["writeJsonAtomic(join(dir, 'run.json'), record);", 2],
      ['fs.writeFileSync(`${dir}/run.json`, text);', 2],
      ["import { RECORD_FILE } from '../shared/run-folder/files';", 1],
      ['const p = folder.recordPath;', 1],
      ['appendFileSync(folder.recordPath, "x");', 2],
      ['// the runner writes run.json here\nconst x = 1;', 0],
      ['await vscode.window.showTextDocument(vscode.Uri.file(entry.folder.recordPath));', 0],
    ];
    for (const [code, problems] of cases) assert.equal(recordWrites(elsewhere, code).length, problems, code);
    assert.deepEqual(recordWrites('src/shared/run-folder/listing.ts', 'existsSync(join(dir, RECORD_FILE));'), [], 'the module reads it');
    assert.equal(recordWrites('src/shared/run-folder/folder.ts', 'writeJsonAtomic(this.recordPath, next);').length, 1, 'within the module, status.ts alone writes it');
    assert.deepEqual(recordWrites(WRITER, 'writeJsonAtomic(folder.recordPath, next);'), []);
  });
});
