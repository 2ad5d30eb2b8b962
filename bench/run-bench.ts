// `distill-lab bench`: training-step throughput of the engine (TensorFlow.js) next to PyTorch on
// the same models. A benchmark, not a test: nothing here asserts on timings.
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend } from '../src/core/backend/select';
import { versions } from '../src/core/versions';
import { BATCH_SIZE, BENCH_CASES } from './cases';
import { backgroundShare, loadAverage, machineSnapshot } from './load';
import { combineCases, formatReport, machineInfo, type BenchReport } from './report';
import { benchTfjsCase, syntheticBatch, type TfjsCaseResult } from './tfjs-steps';
import type { TimingOptions } from './timing';
import { runTorchBench, type TorchOutcome } from './torch-runner';

export type { BenchReport } from './report';

export interface BenchOptions {
  backend: 'auto' | 'wasm' | 'cpu' | 'tfjs-node';
  /** Steps per timed repetition (default: calibrated so a repetition lasts ~0.5 s). */
  steps?: number;
  /** Untimed steps before timing each case (default 3). */
  warmup?: number;
  /** Where the JSON report goes (default bench-report.json in the cwd). */
  out?: string;
  /** Run the PyTorch comparison when Debian's python3-torch is importable (default true). */
  torch?: boolean;
  /** Timed repetitions per case; the medians are reported (default 5). */
  repeats?: number;
  /** Progress lines (default: stderr). The table goes to stdout. */
  log?: (line: string) => void;
}

const TARGET_REP_SEC = 0.5;
const MAX_STEPS_PER_REP = 50;
const TORCH_THREADS = 2;

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const start = performance.now();
  const warmup = options.warmup ?? 3;
  const repeats = options.repeats ?? 5;
  if (options.steps != null && !(Number.isInteger(options.steps) && options.steps > 0)) throw new Error(`bench: steps must be a positive integer, got ${options.steps}`);
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`bench: warmup must be a non-negative integer, got ${warmup}`);
  if (!(Number.isInteger(repeats) && repeats > 0)) throw new Error(`bench: repeats must be a positive integer, got ${repeats}`);

  const { backend, attempts } = await initBackend(options.backend, log);
  tf.env().set('PROD', true);
  log(`bench: tfjs backend ${backend}`);

  const timing: TimingOptions = { batchSize: BATCH_SIZE, warmup, steps: options.steps, repeats, targetRepSec: TARGET_REP_SEC, maxSteps: MAX_STEPS_PER_REP };
  const loadAverageAtStart = loadAverage();
  const tfjsFrom = machineSnapshot();
  const tfjsCpuFrom = process.cpuUsage();
  const data = syntheticBatch();
  const tfjs: TfjsCaseResult[] = [];
  try {
    for (const benchCase of BENCH_CASES) {
      const result = benchTfjsCase(benchCase, timing, data);
      log(`tfjs ${benchCase.id}: ${result.samplesPerSec.toFixed(0)} samples/s, ${result.msPerStep.toFixed(1)} ms/step (${result.coldOnly ? 'one cold step: too slow to repeat' : `${result.stepsPerRep} steps × ${result.repeats}`})`);
      tfjs.push(result);
    }
  } finally {
    tf.dispose([data.x, data.y]);
  }
  const tfjsCpu = process.cpuUsage(tfjsCpuFrom);
  const backgroundShareTfjs = backgroundShare(tfjsFrom, machineSnapshot(), (tfjsCpu.user + tfjsCpu.system) / 1e6);

  let torch: TorchOutcome;
  let backgroundShareTorch: number | null = null;
  if (options.torch === false) {
    torch = { ran: false, reason: 'disabled (torch: false)' };
  } else {
    torch = runTorchBench(BENCH_CASES, { warmup, steps: options.steps, repeats, targetRepSec: TARGET_REP_SEC, maxSteps: MAX_STEPS_PER_REP, threads: TORCH_THREADS, timeoutSec: 240 }, log);
    if (torch.ran) backgroundShareTorch = torch.backgroundShare;
    else log(`torch: skipped — ${torch.reason}`);
  }

  const report: BenchReport = {
    date: new Date().toISOString(),
    backend,
    backendRequested: options.backend,
    backendAttempts: attempts,
    settings: { batchSize: BATCH_SIZE, warmup, steps: options.steps ?? 'auto', repeats, targetRepSec: TARGET_REP_SEC, torchThreads: TORCH_THREADS },
    versions: { ...versions(), ...(torch.ran ? { torch: torch.run.torch, python: torch.run.python } : {}) },
    machine: machineInfo(),
    torch: torch.ran
      ? { ran: true, version: torch.run.torch, python: torch.run.python, threads: torch.run.threads, mkldnn: torch.run.mkldnn, blas: torch.run.blas, ldLibraryPath: torch.run.ldLibraryPath, wallSec: torch.wallSec }
      : { ran: false, reason: torch.reason },
    load: { loadAverageAtStart, backgroundShareTfjs, backgroundShareTorch },
    cases: combineCases(BENCH_CASES, tfjs, torch),
    wallSec: 0,
  };
  report.wallSec = (performance.now() - start) / 1000;

  const out = resolve(options.out ?? 'bench-report.json');
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(report)}\n\nreport: ${out}\n`);
  return report;
}
