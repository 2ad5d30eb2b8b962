import * as vscode from 'vscode';

/** Activation stays cheap: no TensorFlow here; training happens in the trainer process. */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Distill');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('distill.runDemo', async () => {
      const terminal = vscode.window.createTerminal({ name: 'Distill demo', cwd: context.extensionPath });
      terminal.show();
      terminal.sendText(`"${vscode.workspace.getConfiguration('distill').get<string>('nodePath', 'node')}" dist/cli.js demo`);
    }),
  );
}

export function deactivate(): void {}
