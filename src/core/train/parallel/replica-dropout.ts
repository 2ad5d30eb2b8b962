import type * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../../data/rng';
import { dropoutLayers } from '../../models/transformer-layers';

/**
 * A replica's dropout. On one thread each dropout layer of a transformer draws its masks from its
 * own seeded stream, step after step. Replicas built from the same recipe would start those streams
 * alike and drop the same units on every shard, so with threads ≥ 2 every replica (the main
 * thread's included) restarts each of its trained model's dropout streams before every step from
 * `shardDropoutSeed(base, epoch, step, shard)` mixed with the layer's position: a shard's masks
 * are a function of the run's seed (through `base`, the model's own dropout seeds), the step and
 * the shard index alone — different for every shard, the same in every run of that seed and
 * thread count, whichever thread computes the shard. A teacher runs in inference mode: no dropout.
 */

/** The base of a model's per-step dropout seeds: its dropout layers' build seeds (which follow the run's seed) folded together; undefined for a model without dropout layers. */
export function dropoutBase(net: tfl.LayersModel): number | undefined {
  const layers = dropoutLayers(net);
  return layers.length === 0 ? undefined : layers.reduce((seed, layer) => deriveSeed(seed, layer.dropoutSeed), layers.length);
}

/** The seed of shard `shard`'s dropout masks at step `step` (counted from the phase's start) of epoch `epoch`. */
export function shardDropoutSeed(base: number, epoch: number, step: number, shard: number): number {
  return deriveSeed(deriveSeed(deriveSeed(base, epoch), step), shard);
}

/** Restarts every dropout stream of `net` from `seed`, the k-th dropout layer from deriveSeed(seed, k). */
export function reseedDropout(net: tfl.LayersModel, seed: number): void {
  dropoutLayers(net).forEach((layer, k) => layer.reseedDropout(deriveSeed(seed, k)));
}
