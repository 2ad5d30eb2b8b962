// `distill-lab bench`: training-step throughput of the engine (TensorFlow.js) next to PyTorch on
// the same models. A benchmark, not a test: nothing here asserts on timings.
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend } from '../src/core/backend/select';
import { versions } from '../src/core/versions';
import { selectCases, type CaseParams } from './cases';
import { backgroundShare, loadAverage, machineSnapshot } from './load';
import { combineCases, formatParams, formatReport, machineInfo, type BenchReport } from './report';
import { BenchDataCache, benchTfjsCase, isTfjsCaseError, type TfjsCaseError, type TfjsCaseResult } from './tfjs-steps';
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
  /** Case ids to run (comma-separated; `prefix*` matches a prefix); default every case. */
  cases?: string | string[];
  /** Progress lines (default: stderr). The table goes to stdout. */
  log?: (line: string) => void;
}

const TARGET_REP_SEC = 0.5;
const MAX_STEPS_PER_REP = 50;
const TORCH_THREADS = 2;
/** A first (warm-up) step slower than this is the only measurement of the case. */
const GIVE_UP_STEP_SEC = 120;
/** Time allowed to the PyTorch subprocess per case (the ResNet cases on 2 busy cores need minutes). */
const TORCH_SEC_PER_CASE = 180;

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const start = performance.now();
  const warmup = options.warmup ?? 3;
  const repeats = options.repeats ?? 5;
  if (options.steps != null && !(Number.isInteger(options.steps) && options.steps > 0)) throw new Error(`bench: steps must be a positive integer, got ${options.steps}`);
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`bench: warmup must be a non-negative integer, got ${warmup}`);
  if (!(Number.isInteger(repeats) && repeats > 0)) throw new Error(`bench: repeats must be a positive integer, got ${repeats}`);

  const cases = selectCases(options.cases);

  const { backend, attempts } = await initBackend(options.backend, log);
  tf.env().set('PROD', true);
  log(`bench: tfjs backend ${backend}`);

  // tfjs's cpu backend on a conv net is too slow to measure warm; elsewhere a step of a large
  // ResNet (resnet32x4, batch 64) takes seconds and is still worth measuring warm.
  const giveUpStepSec = backend === 'cpu' ? 8 : GIVE_UP_STEP_SEC;
  const timing: Omit<TimingOptions, 'batchSize'> = { warmup, steps: options.steps, repeats, targetRepSec: TARGET_REP_SEC, maxSteps: MAX_STEPS_PER_REP, giveUpStepSec };
  const loadAverageAtStart = loadAverage();
  const tfjsFrom = machineSnapshot();
  const tfjsCpuFrom = process.cpuUsage();
  const batches = new BenchDataCache();
  const tfjs: (TfjsCaseResult | TfjsCaseError)[] = [];
  try {
    for (const benchCase of cases) {
      const result = await benchTfjsCase(benchCase, timing, batches.get(benchCase.workload));
      tfjs.push(result);
      if (isTfjsCaseError(result)) {
        log(`tfjs ${benchCase.id}: ERROR ${result.error}${result.params ? `; ${formatParams(result.params)}` : ''}`);
        continue;
      }
      log(
        `tfjs ${benchCase.id} [${result.plan}]: ${result.samplesPerSec.toFixed(0)} samples/s, ${result.msPerStep.toFixed(1)} ms/step (${result.coldOnly ? 'one cold step: too slow to repeat' : `${result.stepsPerRep} steps × ${result.repeats}`}); ${formatParams(result.params)}`,
      );
    }
  } finally {
    batches.dispose();
  }
  const engineParams = new Map<string, CaseParams>(tfjs.flatMap((r) => (r.params ? [[r.id, r.params] as const] : [])));
  const tfjsCpu = process.cpuUsage(tfjsCpuFrom);
  const backgroundShareTfjs = backgroundShare(tfjsFrom, machineSnapshot(), (tfjsCpu.user + tfjsCpu.system) / 1e6);

  let torch: TorchOutcome;
  let backgroundShareTorch: number | null = null;
  if (options.torch === false) {
    torch = { ran: false, reason: 'disabled (torch: false)' };
  } else {
    torch = runTorchBench(
      cases,
      engineParams,
      {
        warmup,
        steps: options.steps,
        repeats,
        targetRepSec: TARGET_REP_SEC,
        maxSteps: MAX_STEPS_PER_REP,
        threads: TORCH_THREADS,
        giveUpStepSec: GIVE_UP_STEP_SEC,
        timeoutSec: 120 + TORCH_SEC_PER_CASE * cases.length,
      },
      log,
    );
    if (torch.ran) backgroundShareTorch = torch.backgroundShare;
    else log(`torch: skipped — ${torch.reason}`);
  }

  const report: BenchReport = {
    date: new Date().toISOString(),
    backend,
    backendRequested: options.backend,
    backendAttempts: attempts,
    settings: { warmup, steps: options.steps ?? 'auto', repeats, targetRepSec: TARGET_REP_SEC, torchThreads: TORCH_THREADS },
    versions: { ...versions(), ...(torch.ran ? { torch: torch.run.torch, python: torch.run.python } : {}) },
    machine: machineInfo(),
    torch: torch.ran
      ? {
          ran: true,
          version: torch.run.torch,
          python: torch.run.python,
          threads: torch.run.threads,
          mkldnn: torch.run.mkldnn,
          blas: torch.run.blas,
          ldLibraryPath: torch.run.ldLibraryPath,
          wallSec: torch.wallSec,
        }
      : { ran: false, reason: torch.reason },
    load: { loadAverageAtStart, backgroundShareTfjs, backgroundShareTorch },
    cases: combineCases(cases, tfjs, torch),
    wallSec: 0,
  };
  report.wallSec = (performance.now() - start) / 1000;

  const out = resolve(options.out ?? 'bench-report.json');
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(report)}\n\nreport: ${out}\n`);
  const failed = report.cases.filter((c) => c.paramCheck === 'mismatch' || c.torchError || c.tfjsError);
  if (failed.length) {
    const why = (c: (typeof failed)[number]) => [c.tfjsError && `tfjs: ${c.tfjsError}`, c.torchError && `torch: ${c.torchError}`].filter(Boolean).join(', ');
    throw new Error(`${failed.length} case(s) failed — ${failed.map((c) => `${c.id} (${why(c)})`).join('; ')}`);
  }
  return report;
}
