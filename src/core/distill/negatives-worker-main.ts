// The negatives worker's thread (see negatives-worker.ts): one NegativeSampler, a batch's draws
// and counts per message, handed back without a copy, then the shared counter bumped so a
// waiting take wakes.
import { workerData, type MessagePort } from 'node:worker_threads';
import { NegativeSampler, type NegativeSamplerOptions } from './contrast-negatives';
import type { NegativesReply } from './negatives-worker';

const { options, port, answered } = workerData as { options: NegativeSamplerOptions; port: MessagePort; answered: Int32Array };
let sampler: NegativeSampler | undefined;
let failure: string | undefined;
try {
  sampler = new NegativeSampler(options);
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
}

port.on('message', ({ idx }: { idx: Int32Array }) => {
  let reply: NegativesReply;
  try {
    if (!sampler) throw new Error(failure);
    reply = sampler.drawWithCounts(idx);
    port.postMessage(reply, [reply.indices.buffer as ArrayBuffer, reply.counts.buffer as ArrayBuffer]);
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
  Atomics.add(answered, 0, 1);
  Atomics.notify(answered, 0);
});
