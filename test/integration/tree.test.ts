import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DamagedRunNode, ExperimentNode, ModelNode, RunNode, TreeNode } from '../../src/host/experiments/tree';
import { api, copyFixture, fixturePath, screenshot, waitFor } from './support';

const COMPLETED = 'run-2026-01-10T09-00-00-000Z';
const FAILED = 'run-2026-01-10T10-00-00-000Z';
const LEFT_RUNNING = 'run-2026-01-10T11-00-00-000Z';

describe('experiments tree (from the runs-folder fixture)', () => {
  let root: TreeNode[];
  const distill = () => api();

  async function experiment(name: string): Promise<ExperimentNode> {
    const { tree } = await distill();
    const node = (await tree.getChildren()).find((n): n is ExperimentNode => n.kind === 'experiment' && n.name === name);
    assert.ok(node, `experiment ${name} in the tree`);
    return node;
  }

  async function run(experimentName: string, id: string): Promise<{ node: RunNode; item: vscode.TreeItem }> {
    const { tree } = await distill();
    const node = tree.getChildren(await experiment(experimentName)).find((n): n is RunNode => n.kind === 'run' && n.entry.id === id);
    assert.ok(node, `run ${experimentName}/${id} in the tree`);
    return { node, item: tree.getTreeItem(node) };
  }

  before(async () => {
    root = (await distill()).tree.getChildren();
  });

  it('lists the experiments, each with its runs newest first', async () => {
    const names = root.map((node) => (node.kind === 'experiment' ? node.name : '?'));
    assert.ok(names.includes('fixture-kd') && names.includes('fixture-teacher'), names.join(', '));
    const { tree } = await distill();
    const kd = await experiment('fixture-kd');
    assert.equal(tree.getTreeItem(kd).contextValue, 'experiment');
    assert.equal(tree.getTreeItem(kd).description, '3 runs');
    const ids = tree.getChildren(kd).map((n) => (n.kind === 'run' ? n.entry.id : '?'));
    assert.deepEqual(ids, [LEFT_RUNNING, FAILED, COMPLETED]);
  });

  it('shows a completed run with its method, the student accuracy and its three models', async () => {
    const { tree } = await distill();
    const { node, item } = await run('fixture-kd', COMPLETED);
    assert.equal(item.contextValue, 'run.completed');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal(item.description, 'kd · student 77.6% test');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const models = tree.getChildren(node) as ModelNode[];
    assert.deepEqual(
      models.map((m) => m.model.role),
      ['teacher', 'student-scratch', 'student'],
    );
    const teacher = tree.getTreeItem(models[0]);
    assert.equal((teacher.iconPath as vscode.ThemeIcon).id, 'mortar-board');
    assert.equal(teacher.description, 'mlp 16 · 12.7k params · test 80.7% · val 81.2% best · 80.5% last');
  });

  it('puts the config in the run tooltip', async () => {
    const { tree } = await distill();
    const { node, item } = await run('fixture-kd', COMPLETED);
    const resolved = tree.resolveTreeItem(item, node);
    const tooltip = (resolved.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /```json/);
    assert.match(tooltip, /"temperature": 4/);
    assert.match(tooltip, /student \(mlp 8\): test 77\.6% · val 78\.1% best/);
  });

  it('shows a failed run with its error, and offers Resume', async () => {
    const { item } = await run('fixture-kd', FAILED);
    assert.equal(item.contextValue, 'run.failed');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(item.description), /^kd · failed: loss term "total" became NaN/);
  });

  it('turns a run left running by a dead process into an interrupted one, on disk too', async () => {
    const { node, item } = await run('fixture-kd', LEFT_RUNNING);
    assert.equal(item.contextValue, 'run.interrupted');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'debug-pause');
    assert.equal(item.description, 'kd · interrupted');
    const onDisk = JSON.parse(readFileSync(join(node.runDir, 'run.json'), 'utf8'));
    assert.equal(onDisk.status, 'interrupted');
    assert.match(onDisk.error.message, /pid 999999999/);
  });

  it('shows a cancelled teacher run', async () => {
    const { item } = await run('fixture-teacher', 'run-2026-01-09T08-00-00-000Z');
    assert.equal(item.contextValue, 'run.cancelled');
    assert.equal(item.description, 'teacher · cancelled');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.None);
  });

  it('lists a run whose run.json is cut short as damaged, naming the file and why', async () => {
    const { tree, store } = await distill();
    const damaged = await experiment('fixture-damaged');
    assert.equal(tree.getTreeItem(damaged).description, '1 run');
    const [node] = tree.getChildren(damaged) as DamagedRunNode[];
    assert.equal(node.kind, 'damaged');
    const item = tree.getTreeItem(node);
    assert.equal(item.contextValue, 'damagedRun');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item.description), /^damaged: run\.json: not JSON/);
    assert.match(String(item.tooltip), /fixture-damaged\/run-2026-01-08T08-00-00-000Z\/run\.json cannot be read: not JSON/);
    assert.equal(store.find(node.runDir), undefined, 'no command takes it for a readable run');
  });

  it('picks up a run written by the CLI while VS Code is open (file watching)', async () => {
    const { store, tree } = await distill();
    let changes = 0;
    const subscription = tree.onDidChangeTreeData(() => changes++);
    try {
      copyFixture(fixturePath('cli-run', 'fixture-cli'), join(store.runsDir, 'fixture-cli'));
      const node = await waitFor('fixture-cli to appear in the tree', () => tree.getChildren().find((n) => n.kind === 'experiment' && n.name === 'fixture-cli'), 15_000);
      const [runNode] = tree.getChildren(node);
      assert.equal(tree.getTreeItem(runNode).description, 'scratch · student 77.1% best val', 'a run from before test was kept apart shows its validation figure, labelled');
      assert.ok(changes > 0, 'the view was told to redraw');
    } finally {
      subscription.dispose();
    }
  });

  it('follows distill.runsDir to a folder that does not exist yet (it is created and watched)', async () => {
    const { store, tree } = await distill();
    const config = vscode.workspace.getConfiguration('distill');
    const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const before = store.runsDir;
    await config.update('runsDir', 'later/runs', vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the store to move', () => store.runsDir === join(workspace, 'later', 'runs'), 10_000);
      assert.deepEqual(tree.getChildren(), []);
      assert.ok(existsSync(store.runsDir), 'a configured runs folder is created');
      // VS Code sets a new file watcher up asynchronously, with no event to say it is ready.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const copied = join(workspace, 'later', 'runs', 'fixture-cli');
      copyFixture(fixturePath('cli-run', 'fixture-cli'), copied);
      // Under load the watcher may come up after the copy; a live run keeps writing its files, so
      // rewriting run.json now and then is what a real run would do anyway.
      const runJson = readdirSync(copied)
        .map((run) => join(copied, run, 'run.json'))
        .find((f) => existsSync(f))!;
      let lastWrite = Date.now();
      await waitFor(
        'the run in the new folder to appear',
        () => {
          if (Date.now() - lastWrite > 2000) {
            writeFileSync(runJson, readFileSync(runJson));
            lastWrite = Date.now();
          }
          return tree.getChildren().length === 1;
        },
        20_000,
      );
    } finally {
      await config.update('runsDir', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the store to move back', () => store.runsDir === before, 10_000);
  });

  it('shows the tree in the Distill view', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.distill');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('experiments-tree');
  });

  it('compares the runs of an experiment in a table', async () => {
    const compared = await vscode.commands.executeCommand<string[]>('distill.compareRuns', await experiment('fixture-kd'));
    assert.equal(compared?.length, 3);
    const text = await waitFor('the comparison table', () => vscode.window.activeTextEditor?.document.getText().includes('student-scratch') && vscode.window.activeTextEditor.document.getText());
    assert.match(text, /fixture-kd\/run-2026-01-10T09-00-00-000Z \[kd\]/);
    assert.match(text, /78\.10% \(ep 2\)/);
    await screenshot('compare-runs');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
