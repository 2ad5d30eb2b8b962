// Distill: Install Native Backend. npm installs @tensorflow/tfjs-node (or -gpu) into the
// extension's global storage with a cancellable progress notification and its log in the output
// channel; the trainer finds it there (Runner passes the folder in its environment). Disposing it
// (the extension going away) stops an install under way: npm and its scripts are killed.
import * as vscode from 'vscode';
import { NATIVE_PACKAGES, type NativeVariant } from '../../shared/native-backend';
import { Disposable, toDisposable } from '../lifecycle';
import type { Log } from '../log';
import { readSettings } from '../settings';
import { resolveNodePath } from '../training/node-path';
import { installAndCheck, type NativeInstallResult } from './install-flow';

export const INSTALL_NATIVE_BACKEND = 'distill.installNativeBackend';

export class NativeBackendCommand extends Disposable {
  private pending: Promise<NativeInstallResult | undefined> | undefined;
  /** Aborted when the extension goes away: an install under way stops. */
  private readonly disposal = new AbortController();

  constructor(
    private readonly log: Log,
    /** The backends folder in the extension's global storage. */
    readonly dir: string,
    private readonly cliScript: string,
  ) {
    super();
    this._register(toDisposable(() => this.disposal.abort()));
  }

  /** `arg`: `{ variant: 'cpu' | 'gpu' }` from another command or a test; none asks. Resolves with what happened. */
  run(arg?: unknown): Promise<NativeInstallResult | undefined> {
    if (this.pending) {
      void vscode.window.showInformationMessage('Distill: the native backend is already being installed.');
      return this.pending;
    }
    this.pending = this.install(arg).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async install(arg: unknown): Promise<NativeInstallResult | undefined> {
    const variant = arg === undefined ? await pickVariant() : variantOf(arg);
    if (!variant) return undefined;
    const nodePath = resolveNodePath(readSettings().nodePath);
    this.log.info(`installing the native backend (${NATIVE_PACKAGES[variant]}) into ${this.dir}`);
    this.log.show();
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Distill: installing the native backend', cancellable: true }, (progress, token) => {
      const aborter = new AbortController();
      token.onCancellationRequested(() => aborter.abort());
      return installAndCheck({
        dir: this.dir,
        variant,
        nodePath,
        cliScript: this.cliScript,
        onOutput: (text) => this.log.trainerOutput('npm', text),
        onStage: (message) => progress.report({ message }),
        signal: AbortSignal.any([aborter.signal, this.disposal.signal]),
      });
    });
    this.log.endTrainerOutput('npm');
    this.log.info(result.message);
    if (result.ok || result.cancelled) void vscode.window.showInformationMessage(`Distill: ${result.message}`);
    else void vscode.window.showErrorMessage(`Distill: ${result.message}`, 'Show Log').then((choice) => choice && this.log.show());
    return result;
  }
}

function variantOf(arg: unknown): NativeVariant {
  const variant = typeof arg === 'object' && arg !== null ? (arg as { variant?: unknown }).variant : undefined;
  if (variant === 'cpu' || variant === 'gpu') return variant;
  throw new Error(`${INSTALL_NATIVE_BACKEND}: variant: expected "cpu" or "gpu", got ${JSON.stringify(variant) ?? 'nothing'}`);
}

async function pickVariant(): Promise<NativeVariant | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'CPU', description: NATIVE_PACKAGES.cpu, detail: 'Native TensorFlow on the CPU: the fastest choice without a GPU.', variant: 'cpu' as const },
      { label: 'GPU (CUDA)', description: NATIVE_PACKAGES.gpu, detail: 'Needs an NVIDIA GPU with CUDA and cuDNN installed; Linux only.', variant: 'gpu' as const },
    ],
    { title: 'Distill: Install Native Backend', placeHolder: 'Which native backend? npm downloads it, and TensorFlow’s native library with it.' },
  );
  return picked?.variant;
}
