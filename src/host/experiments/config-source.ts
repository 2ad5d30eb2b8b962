// Where a run's config comes from until the dashboard form does it: the built-in demo, a JSON
// config in the workspace, or one chosen with a file dialog.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isInside } from '../../shared/paths';
import * as vscode from 'vscode';
import { DEMO_CONFIG, DEMO_TEXT_CONFIG } from '../../cli/demo-config';
import { parseExperimentConfig, type ExperimentConfig, type ExperimentConfigInput } from '../../shared/protocol';

export interface ConfigChoice {
  config: unknown;
  /** Relative dataset and checkpoint paths in the config resolve against it. */
  baseDir: string;
  /** For messages: "the demo", "experiments/kd.json". */
  source: string;
  /** The built-in demo the config is: a method command's run of it is named for that method (demo-name.ts). */
  demo?: ExperimentConfigInput;
}

const MAX_FILES = 200;

export function workspaceDir(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function demoChoice(fallbackDir: string): ConfigChoice {
  return { config: DEMO_CONFIG, demo: DEMO_CONFIG, baseDir: workspaceDir() ?? fallbackDir, source: 'the built-in demo' };
}

export function loadConfigFile(file: string): ConfigChoice {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not a JSON experiment config: ${(error as Error).message}`);
  }
  return { config, baseDir: dirname(file), source: vscode.workspace.asRelativePath(file) };
}

/** JSON files in the workspace that the experiment schema accepts (run folders excluded). */
export async function findWorkspaceConfigs(runsDir: string): Promise<{ file: string; config: ExperimentConfig }[]> {
  const uris = await vscode.workspace.findFiles('**/*.json', '{**/node_modules/**,**/.distill/**,**/.vscode/**,**/package.json,**/package-lock.json,**/tsconfig.json}', MAX_FILES);
  return uris
    .map((uri) => uri.fsPath)
    .filter((file) => !isInside(runsDir, file))
    .flatMap((file) => {
      try {
        // The one parser (recipes applied): a file it rejects is not an experiment config.
        return [{ file, config: parseExperimentConfig(JSON.parse(readFileSync(file, 'utf8'))) }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

type Pick = vscode.QuickPickItem & { choose: () => Promise<ConfigChoice | undefined> };

export async function pickConfig(runsDir: string, title: string): Promise<ConfigChoice | undefined> {
  const demo = demoChoice(runsDir);
  const items: Pick[] = [
    { label: '$(beaker) Built-in demo', description: 'Fashion-MNIST subset', detail: 'CNN teacher → MLP student with Hinton KD, plus the from-scratch baseline', choose: async () => demo },
    // The text methods (TinyBERT, PKD, MiniLM, DistilBERT) on transformers: the command's method replaces the demo's DistilBERT, and names the experiment (demo-text-tinybert).
    {
      label: '$(beaker) Built-in text demo',
      description: 'SpamAssassin mail',
      detail: '4-layer transformer teacher → 2-layer student, plus the from-scratch baseline',
      choose: async () => ({ ...demo, config: DEMO_TEXT_CONFIG, demo: DEMO_TEXT_CONFIG, source: 'the built-in text demo' }),
    },
    ...(await findWorkspaceConfigs(runsDir)).map(({ file, config }): Pick => ({
      label: `$(json) ${vscode.workspace.asRelativePath(file)}`,
      description: `${config.name} · ${config.method.name}`,
      choose: async () => loadConfigFile(file),
    })),
    { label: '$(folder-opened) Choose a config file…', choose: chooseConfigFile },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Experiment config' });
  return picked?.choose();
}

async function chooseConfigFile(): Promise<ConfigChoice | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: folder, filters: { 'Experiment config': ['json'] }, title: 'Experiment config' });
  return picked?.[0] ? loadConfigFile(picked[0].fsPath) : undefined;
}
