// The trainer process: spawned by the extension host with a real Node binary and an IPC channel.
// It trains, writes the run folder itself and streams every event to the host.
import { z } from 'zod';
import type { HostToTrainer, TrainerEvent } from '../shared/protocol';
import { runExperiment } from '../core/run/experiment';

const HostMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), config: z.unknown(), runDir: z.string().min(1), baseDir: z.string().optional() }),
  z.object({ type: z.literal('cancel') }),
]);

function send(event: TrainerEvent): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(event, undefined, {}, () => resolve());
  });
}

let cancelled = false;
let started = false;

async function start(message: Extract<HostToTrainer, { type: 'start' }>): Promise<void> {
  started = true;
  try {
    const outcome = await runExperiment(message.config, {
      runDir: message.runDir,
      baseDir: message.baseDir,
      onEvent: (event) => void send(event),
      isCancelled: () => cancelled,
    });
    await send({ type: 'log', level: 'info', message: `run ${outcome.status}` });
    process.exitCode = 0;
  } catch (error) {
    // runExperiment has already recorded the failure in the run folder and sent `failed`.
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  } finally {
    // Every event has been handed to the channel in order; the last `send` resolving means all did.
    process.exit();
  }
}

if (!process.send) {
  process.stderr.write('distill-lab trainer: must be started with an IPC channel (by the extension); use dist/cli.js from a terminal\n');
  process.exit(2);
}

process.on('message', (raw) => {
  const parsed = HostMessage.safeParse(raw);
  if (!parsed.success) {
    void send({ type: 'log', level: 'error', message: `trainer: ignored a malformed message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    return;
  }
  const message = parsed.data;
  if (message.type === 'cancel') cancelled = true;
  else if (!started) void start({ ...message, config: message.config });
  else void send({ type: 'log', level: 'warn', message: 'trainer: already running; a second start is ignored' });
});

process.on('disconnect', () => {
  // The host went away: stop at the next step boundary; the run folder records the cancel.
  cancelled = true;
});
