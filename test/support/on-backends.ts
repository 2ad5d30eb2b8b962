import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';

/** The test once on the cpu backend and once on wasm, each titled with its backend; cpu is restored afterwards. */
export function testOnCpuAndWasm(title: string, body: () => void | Promise<void>): void {
  for (const backend of ['cpu', 'wasm'] as const) {
    test(`${title} (${backend})`, async () => {
      await initBackend(backend, () => {});
      try {
        await body();
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }
}
