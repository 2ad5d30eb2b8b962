// Ownership of disposables (after vscode-pull-request-github's common/lifecycle.ts): whatever a
// part creates it registers, and disposing the part disposes all of it, newest first.
export interface IDisposable {
  dispose(): void;
}

export abstract class Disposable implements IDisposable {
  private readonly owned: IDisposable[] = [];
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected _register<T extends IDisposable>(disposable: T): T {
    if (this.disposed) disposable.dispose();
    else this.owned.push(disposable);
    return disposable;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposable of this.owned.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch (error) {
        console.error('Distill: error while disposing', error);
      }
    }
  }
}

export function toDisposable(dispose: () => void): IDisposable {
  return { dispose };
}
