// Layer 0's attention probabilities computed here in float64 from a transformer checkpoint's
// query/key weights — an independent check of the maps the engine computes (stored at the end of a
// run, or on request by `distill-lab attention`).
import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../../src/core/models/zoo-model';
import type { ExperimentConfigInput } from '../../src/shared/protocol';

/** Layer 0's attention of one token row, in float64: softmax over the n tokens of (x W_q + b_q)_h · (x W_k + b_k)_h / √d, x = the embedding output. */
export function layerZeroAttention(model: ZooModel, row: Float32Array, n: number, heads: number): number[][][] {
  const x = tf.tidy(() => model.forward(tf.tensor(row, [1, row.length]), false).sequence!.embeddingOutput.arraySync()[0]);
  const weights = (suffix: string) => {
    const layer = model.net.layers.find((l) => l.name.endsWith(suffix))!;
    const [kernel, bias] = layer.getWeights().map((w) => w.arraySync() as number[][] | number[]);
    return { kernel: kernel as number[][], bias: bias as number[] };
  };
  const project = ({ kernel, bias }: ReturnType<typeof weights>) => x.slice(0, n).map((token) => bias.map((b, j) => b + token.reduce((s, v, i) => s + v * kernel[i][j], 0)));
  const q = project(weights('layer0_attention_self_query'));
  const k = project(weights('layer0_attention_self_key'));
  const d = q[0].length / heads;
  return Array.from({ length: heads }, (_, h) =>
    q.map((qi) => {
      const logits = k.map((kj) => qi.slice(h * d, (h + 1) * d).reduce((s, v, c) => s + v * kj[h * d + c], 0) / Math.sqrt(d));
      const top = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - top));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    }),
  );
}

/** A KD run of a 2-layer, 2-head teacher and a 1-layer, 3-head student on a text set, on cpu: 12 prediction samples, the first 8 with stored maps. */
export function attentionRunConfig(name: string, dataset: { kind: 'text'; train: string; maxLength: number }, validationSplit: number, epochs: number): ExperimentConfigInput {
  const transformer = { arch: 'transformer' as const, maxLength: dataset.maxLength, dropout: 0 };
  return {
    name,
    data: { dataset, validationSplit },
    teacher: { model: { ...transformer, layers: 2, hidden: 16, heads: 2 }, train: { epochs, batchSize: 8, learningRate: 3e-3 } },
    student: { model: { ...transformer, layers: 1, hidden: 12, heads: 3 } },
    method: { name: 'kd' },
    train: { epochs, batchSize: 8, learningRate: 3e-3 },
    baseline: false,
    predictionSamples: 12,
    backend: 'cpu',
  };
}
