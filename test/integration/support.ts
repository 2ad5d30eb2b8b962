// Shared by the suites: the extension under test, its parts, and waiting for things to happen.
import { appendFileSync, cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DistillApi } from '../../src/host/extension';
import type { ExperimentConfigInput, RunRecord } from '../../src/shared/protocol';
import { tinyConfig } from '../support/tiny-config';

export const EXTENSION_ID = 'distill-lab.distill-lab';

export function extension(): vscode.Extension<DistillApi> {
  const ext = vscode.extensions.getExtension<DistillApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

export async function api(): Promise<DistillApi> {
  return extension().activate();
}

export function fixturePath(...parts: string[]): string {
  return join(extension().extensionPath, 'test', 'fixtures', ...parts);
}

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The run's record as on disk once its status is one of `statuses`. */
export async function waitForStatus(distill: DistillApi, runDir: string, statuses: RunRecord['status'][], timeoutMs = 90_000): Promise<RunRecord> {
  return waitFor(
    `${runDir} to be ${statuses.join(' or ')} (it is ${distill.store.find(runDir)?.record.status ?? 'unknown'})`,
    () => {
      distill.store.refresh();
      const record = distill.store.find(runDir)?.record;
      return record && statuses.includes(record.status) ? record : undefined;
    },
    timeoutMs,
    250,
  );
}

/** A KD run of about a second: 300 built-in samples, MLPs, one epoch each, WASM. */
export function tinyRun(name: string, overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfigInput {
  return tinyConfig({ name, data: { dataset: { kind: 'builtin' }, limitTrain: 300, limitValidation: 100 }, predictionSamples: 2, ...overrides });
}

/** A run long enough to stop mid-way: the teacher trains for many epochs on more data. */
export function longRun(name: string): ExperimentConfigInput {
  return tinyRun(name, {
    data: { dataset: { kind: 'builtin' }, limitTrain: 2000, limitValidation: 200 },
    teacher: { model: { arch: 'mlp', hidden: [64] }, train: { epochs: 200 } },
  });
}

export function copyFixture(from: string, to: string): void {
  if (!existsSync(from)) throw new Error(`fixture ${from} is missing`);
  cpSync(from, to, { recursive: true });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A line in the test log (the launchers print it), for measurements worth reporting. */
export function note(text: string): void {
  const log = process.env.DISTILL_TEST_LOG;
  if (log) appendFileSync(log, `      · ${text}\n`);
  else console.log(text);
}

/**
 * A screenshot of the workbench as it is now, where the launcher can take one (code-server:
 * test-output/integration/code-server/screenshots/<name>.png); a no-op elsewhere.
 */
export async function screenshot(name: string): Promise<void> {
  const dir = process.env.DISTILL_TEST_SCREENSHOTS;
  if (!dir) return;
  writeFileSync(join(dir, `${name}.request`), '');
  await waitFor(`screenshot ${name}`, () => existsSync(join(dir, `${name}.png`)), 10_000, 50);
}

/**
 * Runs `command` without a config, as from the palette, and picks the item at `index` of its
 * config quick pick: ↓ `index` times, then Enter. The pick shows once the workspace's configs are
 * listed (a file search, slow on a loaded machine), so the keys are retried until the command
 * settles; each try sends its keys in one go, so a pick that shows meanwhile gets all or none.
 */
export async function runFromQuickPick(command: string, index: number, shot: string): Promise<string | undefined> {
  let settled = false;
  const started = Promise.resolve(vscode.commands.executeCommand<string>(command)).finally(() => (settled = true));
  for (let attempt = 0; attempt < 60 && !settled; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, attempt === 0 ? 3000 : 500));
    if (settled) break;
    if (attempt === 0) await screenshot(shot);
    const keys = [...Array.from({ length: index }, () => 'workbench.action.quickOpenSelectNext'), 'workbench.action.acceptSelectedQuickOpenItem'];
    await Promise.all(keys.map((key) => vscode.commands.executeCommand(key)));
  }
  return started;
}
