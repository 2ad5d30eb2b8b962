// A/B benchmark of the wasm training kernels on the bench's own cases (bench/cases.ts):
// one training step (trainStep with the case's optimiser and batch size) per case, timed in interleaved rounds of
//   before: the kernels this project had before the SIMD / fused batch-norm work — XNNPACK-based
//           convs and conv gradients, the JS MaxPoolGrad, tfjs-layers' own BatchNormalization
//           gradient (through tf.moments), stock Identity/Cast/Tile/Sum/Mean/FusedBatchNorm
//   now:    everything in src/core/backend/wasm-kernels and models/batch-norm.ts
// so that other load on the machine hits both alike. Prints median wall and CPU ms per step.
//
// Run: node --import tsx bench/kernels.ts [--rounds N] [--steps N] [--cases id,id]
//        [--profile [now|before]] [--top N] [--profile-steps N] [--shapes] [--official]
// --official instead times each mode with the bench's own measurement (bench/tfjs-steps.ts,
// warm-up 3, 5 repetitions of ~0.5 s), all cases in 'before', then all in 'now'.
// --profile lists, per case, the kernels (--shapes: kernel and input shapes) by time per step
// (tf.profile, mean of 3 steps).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/core/backend/select';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/core/backend/wasm-kernels';
import { batchNormGradConfig, batchNormTrainConfig, fastFusedBatchNormConfig } from '../src/core/backend/wasm-kernels/batch-norm';
import { winogradConv2DConfig } from '../src/core/backend/wasm-kernels/conv2d';
import { conv2dBackpropFilterConfig } from '../src/core/backend/wasm-kernels/conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from '../src/core/backend/wasm-kernels/conv2d-backprop-input';
import { sharingCastConfig, sharingIdentityConfig } from '../src/core/backend/wasm-kernels/identity';
import { untransposedMatMulConfig } from '../src/core/backend/wasm-kernels/mat-mul';
import { maxPoolGradConfig } from '../src/core/backend/wasm-kernels/max-pool-grad';
import { fastMeanConfig, fastSumConfig } from '../src/core/backend/wasm-kernels/reduce';
import { simdSettings } from '../src/core/backend/wasm-kernels/simd';
import { fastTileConfig } from '../src/core/backend/wasm-kernels/tile';
import { FastBatchNormalization } from '../src/core/models/batch-norm';
import { selectCases, type BenchCase } from './cases';
import { BenchDataCache, benchTfjsCase, isTfjsCaseError, prepareStep, type BenchData, type PreparedStep } from './tfjs-steps';

type Mode = 'before' | 'now';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 5);
const fixedSteps = flag('--steps') != null ? Number(flag('--steps')) : undefined;
const caseIds = flag('--cases');
const profileIndex = args.indexOf('--profile');
const profileMode: Mode | null = profileIndex < 0 ? null : args[profileIndex + 1] === 'before' ? 'before' : 'now';
const top = Number(flag('--top') ?? 10);
const profileSteps = Number(flag('--profile-steps') ?? 3);
const byShape = args.includes('--shapes');

// The stock layer's training path, for 'before'.
const fastCall = FastBatchNormalization.prototype.call;
const stockCall = Object.getPrototypeOf(FastBatchNormalization.prototype).call as typeof fastCall;

/** Kernels this project registered before (added: missing on wasm; the rest replace stock ones). */
const BEFORE: Record<string, (original: tf.KernelConfig) => tf.KernelConfig> = {
  BatchMatMul: untransposedMatMulConfig,
  _FusedMatMul: untransposedMatMulConfig,
  Conv2DBackpropInput: () => conv2dBackpropInputConfig,
  MaxPoolGrad: () => maxPoolGradConfig,
};
const NEW_REPLACEMENTS: Record<string, (original: tf.KernelConfig) => tf.KernelConfig> = {
  Identity: sharingIdentityConfig,
  Cast: sharingCastConfig,
  Tile: fastTileConfig,
  Sum: fastSumConfig,
  Mean: fastMeanConfig,
  FusedBatchNorm: fastFusedBatchNormConfig,
  Conv2D: winogradConv2DConfig,
  FusedConv2D: winogradConv2DConfig,
};
const stockKernels = new Map<string, tf.KernelConfig>();

const ADDED = [conv2dBackpropFilterConfig, batchNormTrainConfig, batchNormGradConfig].map((c) => c.kernelName);

function install(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, 'wasm') != null) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
  const live = tf.engine().registry['wasm'];
  if (live != null) config.setupFunc?.(live);
}

function useMode(mode: Mode): void {
  // Back to stock wasm first.
  unregisterWasmTrainingKernels();
  for (const name of [...Object.keys(BEFORE), ...Object.keys(NEW_REPLACEMENTS)]) {
    if (!stockKernels.has(name)) stockKernels.set(name, tf.getKernel(name, 'wasm'));
    install(stockKernels.get(name)!);
  }
  for (const name of ADDED) if (tf.getKernel(name, 'wasm') != null) tf.unregisterKernel(name, 'wasm');

  simdSettings.enabled = mode === 'now';
  FastBatchNormalization.prototype.call = mode === 'now' ? fastCall : stockCall;
  if (mode === 'now') {
    registerWasmTrainingKernels();
    return;
  }
  // The wasm kernels as they were: the conv gradients and MaxPoolGrad fall back to their
  // pre-SIMD paths when SIMD is off; batch norm trains through tfjs-layers' own formulation.
  install(conv2dBackpropFilterConfig);
  for (const [name, replace] of Object.entries(BEFORE)) install(replace(stockKernels.get(name)!));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

function timeSteps(step: () => void, n: number): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) step();
  const wall = (performance.now() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 / n };
}

async function profile(benchCase: BenchCase, data: BenchData, mode: Mode): Promise<void> {
  useMode(mode);
  const prepared = prepareStep(benchCase, data);
  try {
    prepared.step();
    prepared.step();
    const byName = new Map<string, { ms: number; count: number }>();
    for (let r = 0; r < profileSteps; r++) {
      const info = await tf.profile(() => prepared.step());
      for (const k of info.kernels) {
        // Composite ops (customGrad scopes) contain kernels listed on their own.
        if (k.name.endsWith('__op') || k.name === 'unnamed scope') continue;
        const key = byShape ? `${k.name} ${k.inputShapes.map((shape) => `[${shape}]`).join(' ')}` : k.name;
        const entry = byName.get(key) ?? { ms: 0, count: 0 };
        entry.ms += (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / profileSteps;
        entry.count += 1 / profileSteps;
        byName.set(key, entry);
      }
    }
    const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
    console.log(`\n${benchCase.id} (${mode}): kernels ${total.toFixed(1)} ms per profiled step (mean of ${profileSteps})`);
    for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
      console.log(`  ${e.ms.toFixed(1).padStart(7)} ms  ${String(Math.round(e.count)).padStart(3)}x  ${name}`);
    }
  } finally {
    prepared.dispose();
  }
}

async function main(): Promise<void> {
  await initBackend('wasm', () => {});
  tf.env().set('PROD', true);
  void tfl;
  const cases = selectCases(caseIds);
  const batches = new BenchDataCache();
  console.log(
    `load average ${(await import('node:os'))
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  if (profileMode != null) {
    for (const c of cases) await profile(c, batches.get(c.workload), profileMode);
    return;
  }
  if (args.includes('--official')) {
    const timing = { warmup: 3, repeats: 5, targetRepSec: 0.5, maxSteps: 50 };
    const ms: Record<Mode, number[]> = { before: [], now: [] };
    for (const mode of ['before', 'now'] as Mode[]) {
      useMode(mode);
      for (const c of cases) {
        const result = await benchTfjsCase(c, timing, batches.get(c.workload));
        if (isTfjsCaseError(result)) throw new Error(`${c.id} (${mode}): ${result.error}`);
        ms[mode].push(result.msPerStep);
      }
    }
    useMode('now');
    console.log(`bench measurement (median ms per step): ${'case'.padEnd(14)} before      now  speed-up`);
    cases.forEach((c, i) => console.log(`${''.padEnd(38)}${c.id.padEnd(14)} ${ms.before[i].toFixed(1).padStart(6)} ${ms.now[i].toFixed(1).padStart(8)}  ${(ms.before[i] / ms.now[i]).toFixed(2)}x`));
    return;
  }
  console.log(`median ms per training step (wall / CPU), each case at its own batch size, ${rounds} interleaved rounds`);
  console.log(`${'case'.padEnd(14)} ${'before'.padStart(17)} ${'now'.padStart(17)}  speed-up`);
  for (const c of cases) {
    const prepared: Record<Mode, PreparedStep> = { before: undefined!, now: undefined! };
    const results: Record<Mode, { wall: number; cpu: number }[]> = { before: [], now: [] };
    let steps = fixedSteps ?? 1;
    for (const mode of ['before', 'now'] as Mode[]) {
      useMode(mode);
      prepared[mode] = prepareStep(c, batches.get(c.workload));
      prepared[mode].step();
      prepared[mode].step();
      // About 0.4 s per timed repetition of the faster mode.
      if (fixedSteps == null && mode === 'now') steps = Math.max(1, Math.min(30, Math.round(400 / timeSteps(prepared[mode].step, 1).wall)));
    }
    for (let r = 0; r < rounds; r++) {
      for (const mode of (r % 2 === 0 ? ['before', 'now'] : ['now', 'before']) as Mode[]) {
        useMode(mode);
        results[mode].push(timeSteps(prepared[mode].step, mode === 'before' ? Math.max(1, Math.ceil(steps / 4)) : steps));
      }
    }
    for (const mode of ['before', 'now'] as Mode[]) {
      useMode(mode);
      prepared[mode].dispose();
    }
    const cell = (mode: Mode) => `${median(results[mode].map((t) => t.wall)).toFixed(1)} / ${median(results[mode].map((t) => t.cpu)).toFixed(1)}`.padStart(17);
    const speedup = median(results.before.map((t) => t.wall)) / median(results.now.map((t) => t.wall));
    console.log(`${c.id.padEnd(14)} ${cell('before')} ${cell('now')}  ${speedup.toFixed(2)}x`);
  }
  useMode('now');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
