// The import rule of eslint.config.mjs, tried on code that breaks it: the parts stay apart only
// if the linter says so (npm test runs it over the whole tree).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const TF = "import * as tf from '@tensorflow/tfjs-core';\nexport const x = tf;\n";
const ENGINE = (path: string) => `import { runExperiment } from '${path}';\nexport const x = runExperiment;\n`;
const VSCODE = "import * as vscode from 'vscode';\nexport const x = vscode;\n";

test('the extension host, the webview and the shared code never import TensorFlow or the engine', async () => {
  for (const file of ['src/host/probe.ts', 'src/host/training/probe.ts', 'webview/probe.ts', 'src/shared/probe.ts', 'src/shared/methods/probe.ts']) {
    assert.match((await importErrors(file, TF)).join('\n'), /Only the engine \(src\/core\) imports TensorFlow/, file);
  }
  assert.equal((await importErrors('src/host/training/probe.ts', ENGINE('../../core/run/experiment'))).length, 1);
  assert.equal((await importErrors('webview/probe.ts', ENGINE('../src/core'))).length, 1);
  assert.equal((await importErrors('src/shared/probe.ts', ENGINE('../core/run/experiment'))).length, 1);
});

test('the engine and the shared code never import vscode or the extension host', async () => {
  for (const file of ['src/core/probe.ts', 'src/core/run/probe.ts', 'src/shared/probe.ts', 'webview/probe.ts']) {
    assert.match((await importErrors(file, VSCODE)).join('\n'), /Only the extension host \(src\/host\) imports vscode/, file);
  }
  assert.equal((await importErrors('src/core/run/probe.ts', "import { Log } from '../../host/log';\nexport const x = Log;\n")).length, 1);
});

test('what is allowed stays allowed: the engine imports TensorFlow and the shared code; the host imports the shared code and vscode', async () => {
  assert.deepEqual(await importErrors('src/core/run/probe.ts', TF), []);
  assert.deepEqual(await importErrors('src/core/run/probe.ts', "import { RECIPES } from '../../shared/protocol';\nexport const x = RECIPES;\n"), []);
  assert.deepEqual(await importErrors('src/host/probe.ts', VSCODE), []);
  assert.deepEqual(await importErrors('src/host/probe.ts', "import { RECIPES } from '../shared/protocol';\nexport const x = RECIPES;\n"), []);
  assert.deepEqual(await importErrors('src/trainer/probe.ts', ENGINE('../core/run/experiment')), []);
});
