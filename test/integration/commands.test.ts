import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { METHOD_LIST } from '../../src/shared/methods';
import type { RunStatus } from '../../src/shared/protocol';
import { api, extension, screenshot, waitFor } from './support';

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    menus: Record<string, MenuItem[]>;
    configuration: { properties: Record<string, unknown> };
  };
}

const manifest = () => extension().packageJSON as Manifest;

/** Which context-menu commands a tree item with this contextValue gets (the `viewItem` clauses only). */
function commandsFor(contextValue: string): string[] {
  return manifest()
    .contributes.menus['view/item/context'].filter((item) => {
      const match = /viewItem (==|=~) (\/.*\/|[\w.]+)/.exec(item.when ?? '');
      if (!match) return true;
      if (match[1] === '==') return match[2] === contextValue;
      return new RegExp(match[2].slice(1, -1)).test(contextValue);
    })
    .map((item) => item.command)
    .filter((command, i, all) => all.indexOf(command) === i)
    .sort();
}

describe('commands and manifest', () => {
  before(() => api());

  it('registers every command of the manifest, and the manifest lists every distill.* command registered', async () => {
    const declared = manifest()
      .contributes.commands.map((c) => c.command)
      .sort();
    const registered = (await vscode.commands.getCommands(true)).filter((id) => id.startsWith('distill.')).sort();
    assert.deepEqual(
      declared.filter((id) => !registered.includes(id)),
      [],
      'in package.json but not registered',
    );
    assert.deepEqual(
      registered.filter((id) => !declared.includes(id)),
      [],
      'registered but not in package.json',
    );
    const general = ['newExperiment', 'openDashboard', 'stopRun', 'resumeRun', 'deleteRun', 'revealRun', 'compareRuns', 'exportStudent'].map((id) => `distill.${id}`);
    for (const required of [...general, ...METHOD_LIST.map((m) => m.command.id)]) assert.ok(declared.includes(required), `${required} is declared`);
  });

  it('gives every command the Distill category and a codicon, and every menu entry a declared command', () => {
    const { commands, menus } = manifest().contributes;
    for (const command of commands) {
      assert.equal(command.category, 'Distill', command.command);
      assert.match(command.icon ?? '', /^\$\([a-z-]+\)$/, command.command);
    }
    const declared = new Set(commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(menus)) for (const item of items) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
  });

  it('offers each run the actions its status allows', () => {
    const expected: Record<RunStatus, string[]> = {
      queued: ['distill.stopRun'],
      running: ['distill.stopRun'],
      completed: ['distill.deleteRun', 'distill.exportStudent'],
      failed: ['distill.deleteRun', 'distill.resumeRun'],
      cancelled: ['distill.deleteRun', 'distill.resumeRun'],
      interrupted: ['distill.deleteRun', 'distill.resumeRun'],
    };
    const always = ['distill.compareRuns', 'distill.openDashboard', 'distill.revealRun'];
    for (const [status, commands] of Object.entries(expected)) assert.deepEqual(commandsFor(`run.${status}`), [...always, ...commands].sort(), status);
    assert.deepEqual(commandsFor('experiment'), ['distill.compareRuns']);
  });

  it('hides the commands that need a selected run from the command palette', () => {
    const palette = manifest().contributes.menus.commandPalette;
    const hidden = palette.filter((item) => item.when === 'false').map((item) => item.command);
    for (const id of ['distill.resumeRun', 'distill.deleteRun', 'distill.revealRun', 'distill.exportStudent']) assert.ok(hidden.includes(id), id);
    assert.equal(palette.find((item) => item.command === 'distill.stopRun')?.when, 'distill.hasActiveRuns');
  });

  for (const command of ['distill.openDashboard', 'distill.newExperiment']) {
    it(`${command} without arguments opens the dashboard panel`, async () => {
      await vscode.commands.executeCommand(command);
      const tab = await waitFor('the dashboard tab', () =>
        vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('distill.dashboard')),
      );
      assert.equal(tab.label, 'Distill Dashboard');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await screenshot(command.replace('distill.', 'dashboard-from-'));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
  }

  it('declares the settings with their defaults', () => {
    const config = vscode.workspace.getConfiguration('distill');
    assert.equal(config.inspect('backend')?.defaultValue, 'auto');
    assert.equal(config.inspect('runsDir')?.defaultValue, '');
    assert.equal(config.inspect('maxParallelRuns')?.defaultValue, 0);
    assert.equal(config.inspect('uiUpdatesPerSecond')?.defaultValue, 4);
    assert.equal(config.inspect('nodePath')?.defaultValue, 'node');
  });
});
