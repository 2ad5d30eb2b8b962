import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './messages';

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/**
 * A worker thread with ordered request/reply: the worker answers requests in the order it gets
 * them, so each reply settles the oldest pending request. A worker's error (reported, or its
 * thread dying) fails every pending and later request with the worker's own message.
 */
export class WorkerChannel {
  private readonly pending: { type: FromWorker['type']; resolve: (reply: FromWorker) => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;
  private closing = false;

  constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {
    worker.on('message', (reply: FromWorker) => {
      if (reply.type === 'error') return this.fail(new Error(`${name}: ${reply.message}`));
      const next = this.pending.shift();
      if (!next) return this.fail(new Error(`${name}: unexpected reply "${reply.type}"`));
      if (next.type !== reply.type) return this.fail(new Error(`${name}: expected reply "${next.type}", got "${reply.type}"`));
      next.resolve(reply);
    });
    worker.on('error', (error) => this.fail(new Error(`${name} failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`${name} exited (code ${code})`));
    });
  }

  /** Sends without a reply; `transfer` lists buffers handed over, not copied. */
  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(message, transfer);
  }

  request<T extends FromWorker['type']>(message: ToWorker, replyType: T, transfer: ArrayBuffer[] = []): Promise<Reply<T>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ type: replyType, resolve: resolve as (reply: FromWorker) => void, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}
