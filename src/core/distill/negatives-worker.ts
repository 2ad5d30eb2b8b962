import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { DrawnNegatives, NegativeSamplerOptions } from './contrast-negatives';
import type { NegativeSource } from './negative-source';

/** What the worker answers for each batch, in the order asked. */
export type NegativesReply = DrawnNegatives | { error: string };

/** How long a take waits for the worker before calling it lost. */
const ANSWER_TIMEOUT_MS = 60_000;

/**
 * CRD's negatives drawn on a worker thread, as RepDistiller's DataLoader workers draw them: the
 * worker owns the seeded stream and draws each announced batch in order, so a run's draws are
 * those of LocalNegatives. A step takes its batch synchronously (the training step is synchronous):
 * the reply is read with receiveMessageOnPort, waiting on a shared counter the worker bumps.
 */
export class WorkerNegatives implements NegativeSource {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly answered: Int32Array;
  /** Batches announced to the worker and not yet taken, oldest first. */
  private readonly asked: Int32Array[] = [];

  constructor(options: NegativeSamplerOptions, file = negativesWorkerFile()) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.answered = new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(file, { workerData: { options, port: port2, answered: this.answered }, transferList: [port2] });
    this.worker.unref();
  }

  prefetch(idx: Int32Array): void {
    this.asked.push(Int32Array.from(idx));
    this.port.postMessage({ idx: this.asked[this.asked.length - 1] });
  }

  take(idx: Int32Array): DrawnNegatives {
    // An announced batch that is not the one taken (a run stopped mid-epoch, say): its draws are read and dropped.
    while (this.asked.length && !sameIndices(this.asked[0], idx)) {
      this.asked.shift();
      this.receive();
    }
    if (!this.asked.length) this.prefetch(idx);
    this.asked.shift();
    return this.receive();
  }

  dispose(): void {
    this.port.close();
    void this.worker.terminate();
  }

  private receive(): DrawnNegatives {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(this.answered, 0);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const reply = got.message as NegativesReply;
        if ('error' in reply) throw new Error(reply.error);
        return reply;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`CRD's negatives worker did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.answered, 0, seen, left);
    }
  }
}

function sameIndices(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The script the worker runs: beside the bundle (dist/negatives-worker.js, next to dist/cli.js and
 * dist/trainer.js), or, running from the TypeScript sources, the boot file that loads
 * negatives-worker-main.ts through tsx.
 */
export function negativesWorkerFile(here: string = __dirname, file: string = __filename): string {
  const candidate = file.endsWith('.ts') ? join(here, 'negatives-worker-boot.cjs') : join(here, 'negatives-worker.js');
  if (!existsSync(candidate)) throw new Error(`CRD: the negatives worker script ${candidate} is missing`);
  return candidate;
}
