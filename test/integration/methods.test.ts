import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DistillApi } from '../../src/host/extension';
import { METHOD_LIST } from '../../src/shared/methods';
import type { ExperimentConfigInput } from '../../src/shared/protocol';
import { api, extension, tinyRun, waitFor, waitForStatus } from './support';

/** The manifest's commands that run a method, each with the method its descriptor names. */
function manifestMethodCommands(): { method: string; command: string }[] {
  const declared = (extension().packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands;
  return declared.flatMap(({ command }) => {
    const method = METHOD_LIST.find((m) => m.command.id === command);
    return method ? [{ method: method.name, command }] : [];
  });
}

/** Attention methods need feature maps: a small CNN student (and teacher) for them. */
function configFor(method: string): ExperimentConfigInput {
  const name = `it-method-${method}`;
  const quick = { epochs: 1, batchSize: 64, maxStepsPerEpoch: 2 };
  const base = tinyRun(name, { baseline: false, train: quick });
  if (method === 'at' || method === 'sad') {
    return { ...base, teacher: { model: { arch: 'cnn', widths: [4, 8] }, train: { epochs: 1, maxStepsPerEpoch: 2 } }, student: { model: { arch: 'cnn', widths: [4, 4] } } };
  }
  // MiniLM distils a transformer's self-attention: tiny transformers on the built-in text set.
  if (method === 'minilm') {
    const transformer = (hidden: number) => ({ arch: 'transformer' as const, layers: 1, hidden, heads: 2, maxLength: 16, dropout: 0 });
    return {
      ...base,
      data: { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 16 }, limitTrain: 96, limitValidation: 32, limitTest: 32 },
      teacher: { model: transformer(16), train: { epochs: 1, maxStepsPerEpoch: 2 } },
      student: { model: transformer(8) },
    };
  }
  return base;
}

describe('every method has its own command, which runs that method', function () {
  this.timeout(600_000);
  let distill: DistillApi;
  before(async () => {
    distill = await api();
  });

  const commands = manifestMethodCommands();

  it('the manifest declares a command for every method', () => {
    assert.deepEqual(commands.map((c) => c.method).sort(), METHOD_LIST.map((m) => m.name).sort());
  });

  for (const { method, command } of commands) {
    it(`${command} runs "${method}" to completion`, async () => {
      const runDir = await vscode.commands.executeCommand<string>(command, configFor(method));
      assert.ok(runDir, `${command} returns the run folder`);
      const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled'], 120_000);
      assert.equal(record.status, 'completed', record.error?.message);
      assert.equal(record.method, method);
      assert.ok(distill.store.find(runDir)!.summary!.models.length >= 1);
      await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
    });
  }
});
