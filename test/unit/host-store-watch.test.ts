// The runs folder is watched level by level, never recursively: ExperimentStore against a stand-in
// for the `vscode` module that records every watcher it is asked for.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

interface Watch {
  base: string;
  pattern: string;
  disposed: boolean;
}
const watches: Watch[] = [];
const event = () => () => ({ dispose() {} });
const fakeVscode = {
  EventEmitter: class {
    event = event();
    fire() {}
    dispose() {}
  },
  Uri: { file: (fsPath: string) => ({ fsPath }) },
  RelativePattern: class {
    constructor(
      readonly base: { fsPath: string },
      readonly pattern: string,
    ) {}
  },
  workspace: {
    workspaceFolders: undefined,
    createFileSystemWatcher(pattern: { base: { fsPath: string }; pattern: string }) {
      const watch: Watch = { base: pattern.base.fsPath, pattern: pattern.pattern, disposed: false };
      watches.push(watch);
      return { onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose: () => (watch.disposed = true) };
    },
  },
};
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = (request, ...rest) => (request === 'vscode' ? fakeVscode : load(request, ...rest));

describe('watching the runs folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'distill-watch-'));
  after(() => {
    loader._load = load;
    rmSync(root, { recursive: true, force: true });
  });

  test('only its own levels, each folder non-recursively; new folders are watched on the next rescan, gone ones dropped', async () => {
    const { ExperimentStore } = await import('../../src/host/experiments/store');
    const runs = join(root, 'runs');
    mkdirSync(join(runs, 'exp-a', 'run-1', 'checkpoints', 'best'), { recursive: true });
    const store = new ExperimentStore(() => runs);
    const live = () =>
      watches
        .filter((w) => !w.disposed)
        .map((w) => `${w.base.slice(root.length)}|${w.pattern}`)
        .sort();
    try {
      assert.deepEqual(live(), ['/runs/exp-a/run-1|*', '/runs/exp-a|*', '/runs|*']);
      for (const w of watches) assert.ok(!w.pattern.includes('**') && !w.pattern.includes('/'), `recursive pattern ${w.pattern} on ${w.base}`);
      mkdirSync(join(runs, 'exp-b', 'run-2'), { recursive: true });
      writeFileSync(join(runs, 'exp-b', 'run-2', 'notes.txt'), '');
      rmSync(join(runs, 'exp-a'), { recursive: true });
      store.refresh();
      assert.deepEqual(live(), ['/runs/exp-b/run-2|*', '/runs/exp-b|*', '/runs|*']);
    } finally {
      store.dispose();
    }
    assert.deepEqual(live(), []);
  });
});
