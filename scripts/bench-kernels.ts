// Micro-benchmark of one training step (forward + grads + Adam) on cpu, stock wasm and
// wasm with our kernels. Run: node --import tsx scripts/bench-kernels.ts [steps] [--no-cpu]
// (cpu needs minutes per CNN step: its strided Conv2DBackpropFilter is extremely slow).
// Stock wasm cannot train a conv net at all (no Conv2DBackpropFilter), so "stock" gets the
// plain-loop filter gradient one would write first (below).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { findWasmDir } from '../src/core/backend/wasm-paths';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/core/backend/wasm-kernels';

const args = process.argv.slice(2);
const steps = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 8);
const includeCpu = !args.includes('--no-cpu');
const batch = 128;

function mlp(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
      tfl.layers.dense({ units: 512, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

function cnn(downsample: 'stride' | 'pool'): tfl.LayersModel {
  const strided = downsample === 'stride';
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      ...(strided ? [] : [tfl.layers.maxPooling2d({ poolSize: 2 })]),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', strides: strided ? 2 : 1, activation: 'relu' }),
      ...(strided ? [] : [tfl.layers.maxPooling2d({ poolSize: 2 })]),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Median milliseconds of one Adam step on the current backend. */
async function timeStep(makeModel: () => tfl.LayersModel, inputShape: number[]): Promise<number> {
  const model = makeModel();
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, ...inputShape]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss!.dataSync();
    loss!.dispose();
  };
  step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The obvious filter gradient: a loop over every (b, y, x) per filter tap. */
const loopFilterGrad: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, filterShape } = attrs as unknown as { strides: number | [number, number]; pad: 'same' | 'valid'; filterShape: [number, number, number, number] };
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad);
    const xs = wasm.readSync(x.dataId) as Float32Array;
    const dys = wasm.readSync(dy.dataId) as Float32Array;
    const out = wasm.makeOutput(filterShape, 'float32');
    const dw = wasm.typedArrayFromHeap(out) as Float32Array;
    const [kh, kw, ci, co] = filterShape;
    const { batchSize, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, padInfo } = info;
    dw.fill(0);
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let b = 0; b < batchSize; b++) {
      for (let p = 0; p < oh; p++) {
        const row = p * sh + i - padInfo.top;
        if (row < 0 || row >= h) continue;
        for (let q = 0; q < ow; q++) {
          const col = q * sw + j - padInfo.left;
          if (col < 0 || col >= w) continue;
          const xBase = ((b * h + row) * w + col) * ci;
          const dyBase = ((b * oh + p) * ow + q) * co;
          for (let c = 0; c < ci; c++) {
            const xv = xs[xBase + c];
            const dwBase = ((i * kw + j) * ci + c) * co;
            for (let o = 0; o < co; o++) dw[dwBase + o] += xv * dys[dyBase + o];
          }
        }
      }
    }
    return out;
  },
};

type Mode = 'cpu' | 'wasm stock (+loop filter grad)' | 'wasm + our kernels';

async function useMode(mode: Mode): Promise<void> {
  unregisterWasmTrainingKernels();
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') != null) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  if (mode === 'wasm stock (+loop filter grad)') tf.registerKernel(loopFilterGrad);
  if (mode === 'wasm + our kernels') registerWasmTrainingKernels();
  await tf.setBackend(mode === 'cpu' ? 'cpu' : 'wasm');
}

async function main(): Promise<void> {
  const dir = findWasmDir();
  if (dir == null) throw new Error('no wasm binaries found');
  setWasmPaths(dir);
  const cases: [string, () => tfl.LayersModel, number[]][] = [
    ['MLP 784-512-512-10', mlp, [784]],
    ['CNN conv32 + conv64/s2 + dense10', () => cnn('stride'), [28, 28, 1]],
    ['CNN conv32 + pool + conv64 + pool + dense10', () => cnn('pool'), [28, 28, 1]],
  ];
  const modes: Mode[] = ['wasm stock (+loop filter grad)', 'wasm + our kernels'];
  if (includeCpu) modes.unshift('cpu');
  console.log(`median ms per train step, batch ${batch}, ${steps} steps`);
  for (const [name, makeModel, shape] of cases) {
    const row: string[] = [];
    for (const mode of modes) {
      await useMode(mode);
      row.push(`${mode}: ${(await timeStep(makeModel, shape)).toFixed(0)}`);
    }
    console.log(`${name.padEnd(46)} ${row.join(' | ')}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
