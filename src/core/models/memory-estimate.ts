// How much memory training a model of the zoo needs, estimated from its spec before anything is
// allocated, so a model or batch that cannot fit gets a message naming it instead of a RangeError
// ("Invalid typed array length", "Start offset … is outside the bounds of the buffer") mid-build.
import { intermediateSize, type ModelSpec } from '../../shared/protocol';

export interface ModelSize {
  /** Every weight, trainable or not (BN moving statistics included): what paramCount() gives. */
  params: number;
  /** Floats one sample's forward pass keeps for the backward pass (layer outputs). */
  activationsPerSample: number;
}

/**
 * Parameters and per-sample activations of a zoo model, counted layer by layer from its spec;
 * `vocabSize` is a transformer's embedding rows (the text data set's vocabulary).
 */
export function modelSize(spec: ModelSpec, inputShape: number[], numClasses: number, vocabSize = 0): ModelSize {
  let params = 0;
  let activations = inputShape.reduce((a, b) => a * b, 1);
  const conv = (cin: number, cout: number, kernel: number) => (params += kernel * kernel * cin * cout + 4 * cout); // no bias, BN γ β mean var
  let features: number;
  switch (spec.arch) {
    case 'mlp': {
      let width = activations;
      for (const units of spec.hidden) {
        params += width * units + units;
        activations += units;
        width = units;
      }
      features = width;
      break;
    }
    case 'cnn': {
      let [height, width, channels] = inputShape;
      for (const filters of spec.widths) {
        conv(channels, filters, 3);
        activations += 3 * height * width * filters; // conv, BN, ReLU
        if (height >= 2) {
          height = Math.floor(height / 2);
          width = Math.floor(width / 2);
          activations += height * width * filters;
        }
        channels = filters;
      }
      if (spec.dense > 0) {
        params += height * width * channels * spec.dense + spec.dense;
        activations += spec.dense;
        features = spec.dense;
      } else features = channels;
      break;
    }
    case 'resnet': {
      let [height, width, channels] = inputShape;
      const widths = [16, 32, 64].map((c) => c * spec.widthMultiplier);
      conv(channels, widths[0], 3);
      activations += 3 * height * width * widths[0];
      channels = widths[0];
      const blocks = (spec.depth - 2) / 6;
      widths.forEach((filters, stage) => {
        for (let b = 0; b < blocks; b++) {
          const stride = stage > 0 && b === 0 ? 2 : 1;
          height = Math.ceil(height / stride);
          width = Math.ceil(width / stride);
          conv(channels, filters, 3);
          conv(filters, filters, 3);
          if (stride !== 1 || channels !== filters) conv(channels, filters, 1);
          activations += 8 * height * width * filters; // two conv + BN, ReLU, shortcut, add, ReLU
          channels = filters;
        }
      });
      features = channels;
      break;
    }
    case 'transformer': {
      const length = inputShape[0];
      const { hidden, heads } = spec;
      const inner = intermediateSize(spec);
      const tokens = length * hidden;
      params += (vocabSize + spec.maxLength) * hidden + 2 * hidden; // word + position tables, LayerNorm
      activations += 3 * tokens; // sum, LayerNorm, dropout
      for (let l = 0; l < spec.layers; l++) {
        params += 4 * (hidden * hidden + hidden) + 2 * (hidden * inner) + inner + hidden + 4 * hidden; // q k v out, feed-forward, two LayerNorms
        // q, k, v, the heads' copies, context, out dense, dropout, add, LayerNorm; scores, probs,
        // dropped probs; the erf GELU's intermediates; out dense, dropout, add, LayerNorm.
        activations += 14 * tokens + 3 * heads * length * length + 6 * length * inner + 4 * tokens;
      }
      params += hidden * hidden + hidden; // pooler
      activations += 2 * hidden;
      features = hidden;
      break;
    }
  }
  params += features * numClasses + numClasses;
  activations += features + numClasses;
  return { params, activationsPerSample: activations };
}

/**
 * Bytes to train it at `batchSize`, float32: weights, their gradients and two optimizer moments
 * (Adam's), and twice the activations (kept for the backward pass, and their gradients).
 */
export function trainingBytes(size: ModelSize, batchSize: number): number {
  return 4 * (4 * size.params + 2 * batchSize * size.activationsPerSample);
}
