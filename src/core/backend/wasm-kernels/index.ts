import '@tensorflow/tfjs-backend-wasm';
import { engine, getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { batchedMatMulConfig, fusedMatMulConfig } from './batch-mat-mul';
import { batchNormGradConfig, batchNormTrainConfig, fastFusedBatchNormConfig } from './batch-norm';
import { dropoutMaskConfig } from './dropout';
import { fastGatherConfig } from './gather';
import { geluConfig, geluGradConfig } from './gelu';
import { layerNormConfig, layerNormGradConfig } from './layer-norm';
import { softmaxGradConfig } from './softmax';
import { winogradConv2DConfig } from './conv2d';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';
import { sharingCastConfig, sharingIdentityConfig } from './identity';
import { fastMeanConfig, fastSumConfig } from './reduce';
import { fastTileConfig } from './tile';
import { setFallbackLog } from './fallback';

// Most of these run hand-assembled SIMD loops (./simd) on the wasm heap where they can, and fall
// back to plain JS or to the stock kernel where not (see each file, and README.md); each fallback
// to a stock kernel is logged once per kernel and process (./fallback.ts).

/**
 * Kernels wasm lacks; ours is registered only where wasm has none. The batch-norm pair is this
 * project's own (used by models/batch-norm.ts), as are the GELU, LayerNorm, softmax-gradient and
 * dropout-mask kernels (used by models/transformer-layers.ts).
 */
const missing: KernelConfig[] = [
  conv2dBackpropFilterConfig,
  batchNormTrainConfig,
  batchNormGradConfig,
  geluConfig,
  geluGradConfig,
  layerNormConfig,
  layerNormGradConfig,
  softmaxGradConfig,
  dropoutMaskConfig,
];

/**
 * Kernels wasm has but runs slowly (or, MaxPoolGrad and Cast to bool, wrongly), each built from
 * the original it replaces (which takes the cases the replacement does not handle).
 */
const replacements: Record<string, (original: KernelConfig) => KernelConfig> = {
  BatchMatMul: batchedMatMulConfig,
  _FusedMatMul: fusedMatMulConfig,
  Conv2DBackpropInput: () => conv2dBackpropInputConfig,
  MaxPoolGrad: () => maxPoolGradConfig,
  Identity: sharingIdentityConfig,
  Cast: sharingCastConfig,
  Tile: fastTileConfig,
  Sum: fastSumConfig,
  Mean: fastMeanConfig,
  FusedBatchNorm: fastFusedBatchNormConfig,
  GatherV2: fastGatherConfig,
  Conv2D: winogradConv2DConfig,
  FusedConv2D: winogradConv2DConfig,
};

const originals = new Map<string, KernelConfig>();
const added: string[] = [];

/**
 * Adds the wasm kernels training needs and swaps in faster ones. Safe to call repeatedly. `log`
 * (the latest one given) receives the fallback lines; without one they go to console.warn.
 */
export function registerWasmTrainingKernels(log?: (message: string) => void): void {
  if (log) setFallbackLog(log);
  if (originals.size > 0 || added.length > 0) return;
  const installed: KernelConfig[] = [];
  for (const config of missing) {
    if (getKernel(config.kernelName, 'wasm') != null) continue;
    registerKernel(config);
    added.push(config.kernelName);
    installed.push(config);
  }
  for (const [name, replace] of Object.entries(replacements)) {
    const original = getKernel(name, 'wasm');
    if (original == null) throw new Error(`wasm kernel '${name}' is not registered; is @tensorflow/tfjs-backend-wasm loaded?`);
    const replacement = replace(original);
    unregisterKernel(name, 'wasm');
    registerKernel(replacement);
    originals.set(name, original);
    installed.push(replacement);
  }
  // The engine runs setup functions only when a backend is set; if wasm is already live, run
  // them now. (Not findBackend: that would start initialising wasm as a side effect.)
  const live = engine().registry['wasm'];
  if (live != null) for (const config of installed) config.setupFunc?.(live);
}

/** Restores the stock wasm kernels (for benchmarks and tests that compare against them). */
export function unregisterWasmTrainingKernels(): void {
  for (const name of added) unregisterKernel(name, 'wasm');
  added.length = 0;
  for (const [name, original] of originals) {
    unregisterKernel(name, 'wasm');
    registerKernel(original);
  }
  originals.clear();
}
