import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KD_ALPHA, KD_TEMPERATURE, torchCaseSpecs, type BenchCase, type CaseParams } from './cases';
import { backgroundShare, machineSnapshot } from './load';
import type { Throughput } from './timing';

/** Debian's own interpreter: python3-torch installs into its dist-packages, not a pyenv/venv. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
/** Debian's threaded OpenBLAS; without it on the library path torch may get the reference BLAS. */
export const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

export interface TorchBlas {
  kind: string;
  summary: string;
  libraries: string[];
  openblasConfig?: string;
  /** The kernel set OpenBLAS picked (DYNAMIC_ARCH); 'Prescott' means it did not recognise the CPU. */
  openblasCore?: string;
  openblasThreads?: number;
}

export interface TorchCaseResult extends Throughput {
  id: string;
  /** PyTorch's parameter counts (parameters; buffers without num_batches_tracked). */
  params: CaseParams;
  /** Intra-op threads the case ran with (the case's `threads`). */
  threads?: number;
}

/** A case bench_torch.py refused (parameter counts differ from the engine's) or could not run. */
export interface TorchCaseError {
  id: string;
  params: CaseParams | null;
  error: string;
}

export function isTorchCaseError(c: TorchCaseResult | TorchCaseError): c is TorchCaseError {
  return 'error' in c && typeof c.error === 'string';
}

export interface TorchRun {
  torch: string;
  python: string;
  threads: number;
  interopThreads: number;
  mkldnn: boolean;
  blas: TorchBlas;
  ldLibraryPath: string | null;
  cases: (TorchCaseResult | TorchCaseError)[];
  /** CPU-seconds the python process used in all, start-up included. */
  cpuSecTotal: number;
}

/** backgroundShare: share of the cores other processes kept busy while torch ran (see load.ts). */
export type TorchOutcome = { ran: true; run: TorchRun; wallSec: number; backgroundShare: number } | { ran: false; reason: string };

export interface TorchOptions {
  warmup: number;
  steps?: number;
  repeats: number;
  targetRepSec: number;
  maxSteps: number;
  threads: number;
  /** A first step slower than this (seconds) is the only measurement of a case. */
  giveUpStepSec: number;
  /** Kill the subprocess after this long. */
  timeoutSec: number;
}

/** bench_torch.py beside this file (bench/), else bench/ under the cwd. */
export function findTorchScript(): string | undefined {
  const candidates = [__dirname, resolve('bench')].map((dir) => join(dir, 'bench_torch.py'));
  return candidates.find((file) => existsSync(file));
}

/** The subprocess environment: ours, with the threaded OpenBLAS put first on LD_LIBRARY_PATH. */
export function torchEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!existsSync(OPENBLAS_DIR)) return { ...base };
  const rest = base.LD_LIBRARY_PATH ? `:${base.LD_LIBRARY_PATH}` : '';
  return { ...base, LD_LIBRARY_PATH: `${OPENBLAS_DIR}${rest}` };
}

/** Why torch cannot run here, or undefined when `import torch` works in Debian's python. */
export function torchUnavailableReason(env: NodeJS.ProcessEnv): string | undefined {
  if (!existsSync(DEBIAN_PYTHON)) return `${DEBIAN_PYTHON} not found`;
  const probe = spawnSync(DEBIAN_PYTHON, ['-c', 'import torch'], { env, encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return `${DEBIAN_PYTHON} could not start: ${probe.error.message}`;
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`;
    return `import torch failed in ${DEBIAN_PYTHON} (${last}); install Debian's python3-torch`;
  }
  return undefined;
}

/** `engineParams`: the engine's parameter counts per case id; bench_torch.py refuses to time a case whose models count differently. */
export function runTorchBench(cases: BenchCase[], engineParams: Map<string, CaseParams>, options: TorchOptions, log: (line: string) => void): TorchOutcome {
  const script = findTorchScript();
  if (!script) return { ran: false, reason: 'bench/bench_torch.py not found' };
  const env = torchEnv();
  const reason = torchUnavailableReason(env);
  if (reason) return { ran: false, reason };
  const args = [
    script,
    '--cases',
    JSON.stringify(torchCaseSpecs(cases, engineParams)),
    '--warmup',
    String(options.warmup),
    '--repeats',
    String(options.repeats),
    '--target-rep-sec',
    String(options.targetRepSec),
    '--max-steps',
    String(options.maxSteps),
    '--threads',
    String(options.threads),
    '--give-up-step-sec',
    String(options.giveUpStepSec),
    '--temperature',
    String(KD_TEMPERATURE),
    '--alpha',
    String(KD_ALPHA),
  ];
  if (options.steps != null) args.push('--steps', String(options.steps));
  log(`torch: ${DEBIAN_PYTHON} ${script}${env.LD_LIBRARY_PATH ? ` (LD_LIBRARY_PATH=${env.LD_LIBRARY_PATH})` : ''}`);
  const start = performance.now();
  const from = machineSnapshot();
  const nodeCpuFrom = process.cpuUsage();
  const child = spawnSync(DEBIAN_PYTHON, args, { env, encoding: 'utf8', timeout: options.timeoutSec * 1000, maxBuffer: 16 << 20 });
  const wallSec = (performance.now() - start) / 1000;
  const to = machineSnapshot();
  const nodeCpu = process.cpuUsage(nodeCpuFrom);
  for (const line of (child.stderr ?? '').split('\n')) if (line.trim()) log(`  ${line}`);
  if (child.error) return { ran: false, reason: `bench_torch.py failed: ${child.error.message}` };
  if (child.status !== 0) return { ran: false, reason: `bench_torch.py exited with ${child.status ?? child.signal}` };
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  try {
    const run = JSON.parse(lastLine) as TorchRun;
    return { ran: true, run, wallSec, backgroundShare: backgroundShare(from, to, run.cpuSecTotal + (nodeCpu.user + nodeCpu.system) / 1e6) };
  } catch {
    return { ran: false, reason: `bench_torch.py printed no JSON (${lastLine.slice(0, 200)})` };
  }
}
