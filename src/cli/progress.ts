import type { TrainerEvent } from '../shared/protocol';

const BAR_WIDTH = 24;

function formatLosses(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join('  ');
}

/** Draws a progress bar on a terminal, or one line per epoch when output is not a TTY. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: TrainerEvent) => void {
  const tty = Boolean(stream.isTTY);
  let barShown = false;
  const clearBar = () => {
    if (barShown) stream.write('\r\x1b[2K');
    barShown = false;
  };
  return (event) => {
    switch (event.type) {
      case 'started':
        stream.write(`run ${event.runId} · backend ${event.backend} · phases ${event.phases.join(' → ')}\n`);
        break;
      case 'progress': {
        if (!tty) break;
        const filled = Math.round((event.step / event.steps) * BAR_WIDTH);
        stream.write(`\r\x1b[2K${event.phase} ${event.epoch}/${event.epochs} [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${event.step}/${event.steps}  ${formatLosses(event.losses)}`);
        barShown = true;
        break;
      }
      case 'epoch': {
        clearBar();
        const val = event.valAccuracy[event.phase];
        const extra = event.agreement !== undefined ? `  agreement ${(event.agreement * 100).toFixed(1)}%` : '';
        stream.write(
          `${event.phase} epoch ${event.epoch}/${event.epochs}  ${formatLosses(event.losses)}  train ${(event.trainAccuracy[event.phase] * 100).toFixed(2)}%  val ${(val * 100).toFixed(2)}%${extra}  (${event.seconds.toFixed(1)} s)\n`,
        );
        break;
      }
      case 'log':
        clearBar();
        stream.write(`${event.level === 'info' ? '' : `${event.level}: `}${event.message}\n`);
        break;
      case 'failed':
        clearBar();
        stream.write(`failed: ${event.message}\n`);
        break;
      case 'cancelled':
        clearBar();
        stream.write('cancelled\n');
        break;
      default:
        break;
    }
  };
}
