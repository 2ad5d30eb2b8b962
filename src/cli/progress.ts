import type { TrainerEvent } from '../shared/protocol';

const BAR_WIDTH = 24;

function formatLosses(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join('  ');
}

/** A share as a percentage, or '—' where there is none (an ensemble is evaluated, not trained: no train accuracy). */
function percent(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '—';
}

/** One epoch's line: the loss terms (none for an ensemble), train and val accuracy of the phase's model, agreement, time. */
export function epochLine(event: Extract<TrainerEvent, { type: 'epoch' }>): string {
  const parts = [
    `${event.phase} epoch ${event.epoch}/${event.epochs}`,
    ...(Object.keys(event.losses).length > 0 ? [formatLosses(event.losses)] : []),
    `train ${percent(event.trainAccuracy[event.phase], 2)}`,
    `val ${percent(event.valAccuracy[event.phase], 2)}`,
    ...(event.agreement !== undefined ? [`agreement ${percent(event.agreement, 1)}`] : []),
    `(${event.seconds.toFixed(1)} s)`,
  ];
  return `${parts.join('  ')}\n`;
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
        stream.write(epochLine(event));
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
