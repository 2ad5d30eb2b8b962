import type { BenchOptions } from './run-bench';

export const BENCH_USAGE = 'npm run bench -- [--backend auto|wasm|cpu|tfjs-node] [--steps N] [--warmup N] [--repeats N] [--out FILE] [--no-torch] [--cases id,id|prefix*]';

const BACKENDS = ['auto', 'wasm', 'cpu', 'tfjs-node'] as const;

/** `bench` flags → runBench options (for the CLI). Throws on an unknown flag or a bad value. */
export function parseBenchArgs(args: string[]): BenchOptions {
  const options: BenchOptions = { backend: 'auto' };
  const int = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (value == null || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, got ${value ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    switch (flag) {
      case '--backend': {
        const value = args[++i];
        if (!BACKENDS.includes(value as (typeof BACKENDS)[number])) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}, got ${value ?? 'nothing'}`);
        options.backend = value as BenchOptions['backend'];
        break;
      }
      case '--steps':
        options.steps = int(flag, args[++i], 1);
        break;
      case '--warmup':
        options.warmup = int(flag, args[++i], 0);
        break;
      case '--repeats':
        options.repeats = int(flag, args[++i], 1);
        break;
      case '--out':
        if (args[i + 1] == null) throw new Error('--out needs a file name');
        options.out = args[++i];
        break;
      case '--cases':
        if (args[i + 1] == null || args[i + 1].startsWith('--')) throw new Error('--cases needs a comma-separated list of case ids (e.g. resnet* or resnet20-kd,resnet8x4-kd)');
        options.cases = args[++i];
        break;
      case '--no-torch':
        options.torch = false;
        break;
      default:
        throw new Error(`unknown bench flag ${flag}\nusage: ${BENCH_USAGE}`);
    }
  }
  return options;
}
