import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { test } from 'node:test';
import type { ModelSpec } from '../../src/shared/protocol';
import { modelSize, trainingBytes } from '../../src/core/models/memory-estimate';
import { assertThreadsFit, memoryLimit, type HeldModel, type ThreadLoad } from '../../src/core/run/memory-check';

// The memory check of a parallel phase: every thread (student replica, teachers' thread) holds its
// own copies of the models, each within one WASM memory, all of them within the machine's.

const shape = { inputShape: [32, 32, 3], numClasses: 100 };
const resnet20: ModelSpec = { arch: 'resnet', depth: 20, widthMultiplier: 1 };
const resnet56: ModelSpec = { arch: 'resnet', depth: 56, widthMultiplier: 1 };
const student: HeldModel = { spec: resnet20, role: 'student', shape, trained: true };
const teacher: HeldModel = { spec: resnet56, role: 'teacher', shape, trained: false };

/** The batch at which training resnet20 needs about `bytes`. */
function batchNeeding(bytes: number): number {
  const size = modelSize(resnet20, shape.inputShape, shape.numClasses);
  return Math.ceil((bytes - 16 * size.params) / (8 * size.activationsPerSample));
}

test('replicas at batch 64 with their teacher, and a teachers thread, fit', () => {
  const loads: ThreadLoad[] = [
    { name: 'the main thread', batchSize: 32, models: [student, teacher] },
    { name: "replica 1's worker", batchSize: 32, models: [student, teacher] },
    { name: "the teachers' worker", batchSize: 64, models: [teacher] },
  ];
  assert.doesNotThrow(() => assertThreadsFit(loads, 'wasm'));
});

test('one thread past a WASM memory is refused, naming the thread, its models and its batch', () => {
  const batchSize = batchNeeding(memoryLimit('wasm') * 1.2);
  assert.ok(trainingBytes(modelSize(resnet20, shape.inputShape, shape.numClasses), batchSize) > memoryLimit('wasm'));
  assert.throws(
    () => assertThreadsFit([{ name: "replica 1's worker", batchSize, models: [student, teacher] }], 'wasm'),
    new RegExp(`^Error: train\\.threads: replica 1's worker holds student \\+ teacher at batch ${batchSize}, about .* more than the .* a wasm thread can use`),
  );
});

test("threads that each fit but together pass the machine's memory are refused, counting every copy", () => {
  // Each thread needs 40 % of the machine: two fit, three do not.
  const batchSize = batchNeeding(0.4 * totalmem());
  const load = (r: number): ThreadLoad => ({ name: r === 0 ? 'the main thread' : `replica ${r}'s worker`, batchSize, models: [student] });
  assert.doesNotThrow(() => assertThreadsFit([load(0), load(1)], 'cpu'));
  assert.throws(
    () => assertThreadsFit([load(0), load(1), load(2)], 'cpu'),
    /^Error: train\.threads: 3 threads \(the main thread, replica 1's worker, replica 2's worker\) each hold their own copies of the models, about .* in all, more than the machine's .*; lower train\.threads/,
  );
});
