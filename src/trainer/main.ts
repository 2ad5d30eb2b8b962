// The trainer process: spawned by the extension host with a real Node binary and an IPC channel.
// It trains, writes the run folder itself and streams every event to the host.
import { parseHostMessage, type HostToTrainer, type TrainerEvent } from '../shared/protocol';
import { runExperiment } from '../core/run/experiment';

/** The host gets no word from a trainer that cannot start: it records the exit as a failed run. */
const EXIT_NO_START = 2;

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
  process.exit(EXIT_NO_START);
}

process.on('message', (raw) => {
  const received = parseHostMessage(raw);
  if (!received.ok) {
    process.stderr.write(`distill-lab trainer: ${received.problem}\n`);
    // Without a valid start there is no run to train, and the host would wait for ever.
    if (!started) void send({ type: 'log', level: 'error', message: `trainer: ${received.problem}` }).then(() => process.exit(EXIT_NO_START));
    else void send({ type: 'log', level: 'error', message: `trainer: ignored a ${received.problem}` });
    return;
  }
  const message = received.message;
  if (message.type === 'cancel') cancelled = true;
  else if (!started) void start(message);
  else void send({ type: 'log', level: 'warn', message: 'trainer: already running; a second start is ignored' });
});

// SIGTERM or SIGHUP (a shutdown, a closed session) end the run as Stop does: cancelled at the
// next step, with its last checkpoint, instead of leaving run.json at "running" for good. A second
// one quits at once; before a start there is nothing to record.
const SIGNAL_EXIT_CODES = { SIGTERM: 143, SIGHUP: 129 } as const;
for (const signal of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) {
  process.on(signal, () => {
    if (!started || cancelled) process.exit(SIGNAL_EXIT_CODES[signal]);
    cancelled = true;
    void send({ type: 'log', level: 'warn', message: `trainer: ${signal} received; cancelling after this step` });
  });
}

process.on('disconnect', () => {
  // The host went away: stop at the next step boundary; the run folder records the cancel.
  cancelled = true;
});
