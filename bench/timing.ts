/** Throughput of one case: medians over timed repetitions, each of `stepsPerRep` steps. */
export interface Throughput {
  samplesPerSec: number;
  samplesPerCpuSec: number;
  /** Median wall milliseconds of one step. */
  msPerStep: number;
  stepsPerRep: number;
  repeats: number;
  warmup: number;
  /** Raw repetitions, for the JSON report. */
  reps: { wallSec: number; cpuSec: number }[];
  /** True when the case was so slow that its first (un-warmed) step is all that was timed. */
  coldOnly: boolean;
}

export interface TimingOptions {
  batchSize: number;
  warmup: number;
  /** Steps per timed repetition; undefined = calibrate so a repetition lasts about `targetRepSec`. */
  steps?: number;
  repeats: number;
  targetRepSec: number;
  /** Upper bound on calibrated steps per repetition. */
  maxSteps?: number;
  /** A step slower than this (seconds) gets one warm-up step and at most 3 repetitions. */
  slowStepSec?: number;
  /** A first step slower than this (seconds) is the only measurement (`coldOnly`). */
  giveUpStepSec?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** A training step; a data-parallel one resolves when every replica has its gradients. */
export type BenchStep = () => void | Promise<void>;

/** Wall and CPU seconds (user + system, every thread of this process, worker threads included) of `n` calls of `step`. */
async function timeSteps(step: BenchStep, n: number): Promise<{ wallSec: number; cpuSec: number }> {
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) await step();
  const wallSec = (performance.now() - wall0) / 1000;
  return { wallSec, cpuSec: cpuSeconds() - cpu0 };
}

/**
 * Warm-up steps, then `repeats` timed repetitions. The step must finish its work before it
 * returns (trainStep reads its losses back, so it does).
 */
export async function measureThroughput(step: BenchStep, options: TimingOptions): Promise<Throughput> {
  const { batchSize, targetRepSec } = options;
  let { warmup, repeats } = options;
  const slow = options.slowStepSec ?? 2;
  const giveUp = options.giveUpStepSec ?? 8;
  let lastWarm = 0;
  // Keeps a slow backend (tfjs cpu on a conv net) within the bench's time budget.
  for (let i = 0; i < warmup; i++) {
    const first = await timeSteps(step, 1);
    lastWarm = first.wallSec;
    if (i === 0 && first.wallSec > giveUp) return summarise([first], 1, batchSize, 1, true);
    if (first.wallSec > slow) {
      warmup = i + 1;
      repeats = Math.min(repeats, 3);
      break;
    }
  }
  let stepsPerRep = options.steps;
  if (stepsPerRep == null) {
    const probe = lastWarm > 0 ? lastWarm : (await timeSteps(step, 1)).wallSec;
    stepsPerRep = Math.max(1, Math.min(options.maxSteps ?? 50, Math.round(targetRepSec / Math.max(probe, 1e-4))));
  }
  const reps: { wallSec: number; cpuSec: number }[] = [];
  for (let r = 0; r < repeats; r++) reps.push(await timeSteps(step, stepsPerRep));
  return summarise(reps, stepsPerRep, batchSize, warmup, false);
}

function summarise(reps: { wallSec: number; cpuSec: number }[], stepsPerRep: number, batchSize: number, warmup: number, coldOnly: boolean): Throughput {
  const samples = batchSize * stepsPerRep;
  return {
    samplesPerSec: median(reps.map((r) => samples / r.wallSec)),
    samplesPerCpuSec: median(reps.map((r) => samples / Math.max(r.cpuSec, 1e-6))),
    msPerStep: median(reps.map((r) => (r.wallSec * 1000) / stepsPerRep)),
    stepsPerRep,
    repeats: coldOnly ? 1 : reps.length,
    warmup: coldOnly ? 0 : warmup,
    reps,
    coldOnly,
  };
}
