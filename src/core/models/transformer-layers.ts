// The pieces of a BERT encoder that tfjs-layers has no (fast enough) layer for, as serialisable
// custom layers (registered below, so a saved transformer loads back through tf.loadLayersModel).
// Dense, Add and the GELU activation are tfjs-layers' own.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '../../shared/rng';
import { advanceMulberry, DROPOUT_MASK } from '../backend/wasm-kernels/dropout';
import { GELU, GELU_GRAD } from '../backend/wasm-kernels/gelu';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../backend/wasm-kernels/layer-norm';
import { SOFTMAX_GRAD } from '../backend/wasm-kernels/softmax';
import { backendHasKernel } from './fused-kernel';

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];
type Kwargs = Parameters<tfl.layers.Layer['call']>[1];
type Shape = (number | null)[];

/** BERT's initializer_range: every embedding and dense kernel starts N(0, 0.02²), truncated at 2σ. */
export const BERT_INIT_STDDEV = 0.02;
/** Added to the attention logits of padded keys (BERT's −10000), so their softmax weight is exactly 0 in float32. */
export const MASK_BIAS = -10000;

export function bertInitializer(seed: number) {
  return tfl.initializers.truncatedNormal({ mean: 0, stddev: BERT_INIT_STDDEV, seed });
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/**
 * Dropout whose masks are reproducible: each layer draws its masks from its own seeded stream
 * (mulberry32), so a run with the same seed drops the same units at the same steps, and every
 * step draws a new mask. (tfjs's Dropout with a fixed seed draws the same mask at every step, and
 * tf.dropout spends four kernels — uniform, add, floor, divide — where one multiply by a mask of
 * 0 and 1/(1 − rate) made here does.) On wasm the mask is one kernel drawing the same stream four
 * draws at a time (backend/wasm-kernels/dropout.ts); elsewhere a JS loop over createRng.
 * mulberry32's whole state is a counter, so the stream is kept as that state and advanced by
 * each mask's size.
 */
class DropoutStream {
  private state: number;
  constructor(
    readonly rate: number,
    readonly seed: number,
  ) {
    this.state = seed >>> 0;
  }

  /** Restarts the stream from another seed (a data-parallel replica's masks per step and shard: train/parallel/replica-dropout.ts). */
  reseed(seed: number): void {
    this.state = seed >>> 0;
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    if (!training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    let mask: tf.Tensor;
    if (backendHasKernel(DROPOUT_MASK)) {
      mask = tf.engine().runKernel(DROPOUT_MASK, {}, { shape: x.shape, state: this.state, rate: this.rate }) as tf.Tensor;
    } else {
      const values = new Float32Array(x.size);
      const random = createRng(this.state);
      for (let i = 0; i < values.length; i++) values[i] = random() < keep ? 1 / keep : 0;
      mask = tf.tensor(values, x.shape, 'float32');
    }
    this.state = advanceMulberry(this.state, x.size);
    return tf.mul(x, mask);
  }
}

interface DropoutArgs extends NonNullable<LayerArgs> {
  rate: number;
  seed: number;
}

export class SeededDropout extends tfl.layers.Layer {
  static readonly className = 'DistillSeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private readonly stream: DropoutStream;

  constructor(args: DropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
    this.stream = new DropoutStream(args.rate, args.seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => this.stream.apply(single(inputs), kwargs['training'] === true));
  }

  /** The seed the layer was built with, and a restart of its masks from another (see DropoutStream.reseed). */
  get dropoutSeed(): number {
    return this.seed;
  }

  reseedDropout(seed: number): void {
    this.stream.reseed(seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

interface EmbeddingsArgs extends NonNullable<LayerArgs> {
  vocabSize: number;
  hidden: number;
  maxLength: number;
  seed: number;
}

/**
 * BERT's word + position embeddings (no token types: one segment) of [B, L] token ids given as
 * floats; the sum, before the LayerNorm. The word lookup's gradient is a scatter-add of the
 * output gradient into the table's rows (ScatterNd), not tfjs's UnsortedSegmentSum, which
 * tfjs-backend-wasm 4.22 lacks.
 */
export class BertEmbeddings extends tfl.layers.Layer {
  static readonly className = 'DistillBertEmbeddings';
  private readonly vocabSize: number;
  private readonly hidden: number;
  private readonly maxLength: number;
  private readonly seed: number;
  private word: tfl.LayerVariable | null = null;
  private position: tfl.LayerVariable | null = null;

  constructor(args: EmbeddingsArgs) {
    super(args);
    this.vocabSize = args.vocabSize;
    this.hidden = args.hidden;
    this.maxLength = args.maxLength;
    this.seed = args.seed;
  }

  override build(): void {
    this.word = this.addWeight('word_embeddings', [this.vocabSize, this.hidden], 'float32', bertInitializer(this.seed));
    this.position = this.addWeight('position_embeddings', [this.maxLength, this.hidden], 'float32', bertInitializer(this.seed + 1));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...(inputShape as Shape), this.hidden];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(single(inputs), 'int32');
      const [batch, length] = ids.shape;
      if (length > this.maxLength) throw new Error(`transformer: sequences of ${length} tokens are longer than its maxLength ${this.maxLength}`);
      const words = lookupRows(this.word!.read(), tf.reshape(ids, [batch * length]) as tf.Tensor1D);
      const positions = tf.slice(this.position!.read(), [0, 0], [length, this.hidden]);
      return tf.add(tf.reshape(words, [batch, length, this.hidden]), positions);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.vocabSize, hidden: this.hidden, maxLength: this.maxLength, seed: this.seed };
  }
}

/**
 * table[ids] ([N, H]) whose gradient with respect to the table sums each row's gradients into it.
 * The ids are saved for the gradient (customGrad keeps them): the caller's tidy disposes its own
 * `ids` before the backward pass runs, which a copying Cast (tfjs-backend-wasm's stock one) frees.
 */
function lookupRows(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor {
  const op = tf.customGrad((t, save) => {
    const tableT = t as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([tf.reshape(ids, [ids.size, 1])]);
    return {
      value: tf.gather(tableT, ids),
      gradFunc: (dy: tf.Tensor, [rows]: tf.Tensor[]) => tf.scatterND(rows, dy, tableT.shape),
    };
  });
  return op(table);
}

/** [B, L] token ids → [B, L] float mask, 1 where id ≠ 0 (a token), 0 on padding. */
export class PaddingMask extends tfl.layers.Layer {
  static readonly className = 'DistillPaddingMask';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.cast(tf.notEqual(single(inputs), 0), 'float32'));
  }
}

interface AttentionArgs extends NonNullable<LayerArgs> {
  heads: number;
  dropout: number;
  seed: number;
}

/**
 * BERT's self-attention core (`BertSelfAttention` after the query/key/value projections), on
 * inputs [query, key, value, mask] ([B, L, H] ×3 and the [B, L] padding mask). Outputs, per the
 * taps in zoo-model.ts: [context [B, L, H], scores [B, heads, L, L], probs [B, heads, L, L],
 * values [B, heads, L, d]], where scores = q·kᵀ/√d + (1 − mask_key)·(−10000) exactly as fed to
 * the softmax, probs = softmax(scores) before the attention dropout, and the context is
 * dropout(probs)·v with the heads concatenated again. The softmax's gradient is one kernel on
 * wasm (see softmax() below).
 */
export class MultiHeadSelfAttention extends tfl.layers.Layer {
  static readonly className = 'DistillMultiHeadSelfAttention';
  private readonly heads: number;
  private readonly dropout: number;
  private readonly seed: number;
  private readonly stream: DropoutStream;

  constructor(args: AttentionArgs) {
    super(args);
    this.heads = args.heads;
    this.dropout = args.dropout;
    this.seed = args.seed;
    this.stream = new DropoutStream(args.dropout, args.seed);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const [batch, length, hidden] = (inputShape as Shape[])[0];
    const h = this.heads;
    const d = hidden == null ? null : hidden / h;
    return [
      [batch, length, hidden],
      [batch, h, length, length],
      [batch, h, length, length],
      [batch, h, length, d],
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const [query, key, value, mask] = inputs as tf.Tensor[];
      const [batch, length, hidden] = query.shape;
      const h = this.heads;
      const d = hidden / h;
      const split = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, length, h, d]), [0, 2, 1, 3]);
      // q/√d before the product: the same scores as BERT's (q·kᵀ)/√d, on L·H values instead of h·L².
      const q = split(tf.mul(query, 1 / Math.sqrt(d)));
      const k = split(key);
      const v = split(value);
      const bias = tf.reshape(tf.mul(tf.sub(1, mask), MASK_BIAS), [batch, 1, 1, length]);
      const scores = tf.add(tf.matMul(q, k, false, true), bias);
      const probs = softmax(scores);
      const attended = tf.matMul(this.stream.apply(probs, kwargs['training'] === true), v);
      const context = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, length, hidden]);
      return [context, scores, probs, v];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, dropout: this.dropout, seed: this.seed };
  }

  /** As SeededDropout's: the attention-probability dropout's seed, and a restart of its masks. */
  get dropoutSeed(): number {
    return this.seed;
  }

  reseedDropout(seed: number): void {
    this.stream.reseed(seed);
  }
}

interface LayerNormArgs extends NonNullable<LayerArgs> {
  epsilon: number;
}

/**
 * LayerNorm over the last axis, y = (x − mean)/√(var + ε)·γ + β, as BERT's. tfjs-layers' own
 * LayerNormalization tiles γ and β to the input's shape, and Tile's gradient is a Slice and an Add
 * per tiled row (B·L of each per LayerNorm: most of a training step). Here γ and β broadcast, and
 * the gradient is the closed form, per row with x̂ = (x − mean)·s, s = 1/√(var + ε), g = dy·γ:
 *   dx = s·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy.
 * Where the backend has the fused kernels (wasm: backend/wasm-kernels/layer-norm.ts) forward and
 * backward are one kernel each; elsewhere the same maths is composed from tf ops.
 */
export class LayerNorm extends tfl.layers.Layer {
  static readonly className = 'DistillLayerNorm';
  private readonly epsilon: number;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;

  constructor(args: LayerNormArgs) {
    super(args);
    this.epsilon = args.epsilon;
  }

  override build(inputShape: Shape | Shape[]): void {
    const size = (inputShape as Shape)[(inputShape as Shape).length - 1] as number;
    this.gamma = this.addWeight('gamma', [size], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [size], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => layerNorm(single(inputs), this.gamma!.read(), this.beta!.read(), this.epsilon));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  if (x.dtype === 'float32' && backendHasKernel(LAYER_NORM) && backendHasKernel(LAYER_NORM_GRAD)) return fusedLayerNorm(x, gamma, beta, epsilon);
  const last = x.rank - 1;
  const rows = x.shape.slice(0, -1).map((_, i) => i);
  const op = tf.customGrad((xIn, g, b, save) => {
    const [xs, gammaT, betaT] = [xIn, g, b] as tf.Tensor[];
    const centred = tf.sub(xs, tf.mean(xs, last, true));
    const s = tf.rsqrt(tf.add(tf.mean(tf.square(centred), last, true), epsilon));
    const xhat = tf.mul(centred, s);
    (save as (tensors: tf.Tensor[]) => void)([xhat, s, gammaT]);
    return {
      value: tf.add(tf.mul(xhat, gammaT), betaT),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, sd, gm] = saved;
        const gx = tf.mul(dy, gm);
        const dx = tf.mul(sd, tf.sub(tf.sub(gx, tf.mean(gx, last, true)), tf.mul(xh, tf.mean(tf.mul(gx, xh), last, true))));
        return [dx, tf.sum(tf.mul(dy, xh), rows), tf.sum(dy, rows)];
      },
    };
  });
  return op(x, gamma, beta);
}

/** The same LayerNorm and gradient as one kernel each (backend/wasm-kernels/layer-norm.ts), the forward also giving each row's mean and 1/σ. */
function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const op = tf.customGrad((xIn, g, b, save) => {
    const [xs, gammaT, betaT] = [xIn, g, b] as tf.Tensor[];
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM, { x: xs, gamma: gammaT, beta: betaT }, { epsilon }) as tf.Tensor[];
    (save as (tensors: tf.Tensor[]) => void)([xs, gammaT, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xv, gm, m, s]: tf.Tensor[]) => {
        const [dx, dgamma, dbeta] = tf.engine().runKernel(LAYER_NORM_GRAD, { x: xv, dy, gamma: gm, mean: m, rstd: s }) as tf.Tensor[];
        return [dx, tf.reshape(dgamma, gamma.shape), tf.reshape(dbeta, beta.shape)];
      },
    };
  });
  return op(x, gamma, beta);
}

/**
 * Softmax over the last axis, as tf.softmax, with its gradient dx = p·(dy − Σ_last dy·p) as one
 * kernel where the backend has it (wasm: backend/wasm-kernels/softmax.ts); elsewhere tfjs's own
 * composition of the same formula.
 */
export function softmax(logits: tf.Tensor): tf.Tensor {
  if (logits.dtype !== 'float32' || !backendHasKernel(SOFTMAX_GRAD)) return tf.softmax(logits);
  const op = tf.customGrad((xIn, save) => {
    const probs = tf.softmax(xIn as tf.Tensor);
    (save as (tensors: tf.Tensor[]) => void)([probs]);
    return {
      value: probs,
      gradFunc: (dy: tf.Tensor, [p]: tf.Tensor[]) => tf.engine().runKernel(SOFTMAX_GRAD, { probs: p, dy }) as tf.Tensor,
    };
  });
  return op(logits);
}

/**
 * BERT's GELU, x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2 (erf, not the tanh approximation:
 * tfjs-backend-wasm has an Erf kernel), with the closed-form gradient Φ(x) + x·φ(x),
 * φ(x) = exp(−x²/2)/√(2π), in a few kernels instead of autodiff through erf; one kernel each way
 * where the backend has the fused ones (wasm: backend/wasm-kernels/gelu.ts).
 */
export class Gelu extends tfl.layers.Layer {
  static readonly className = 'DistillGelu';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => gelu(single(inputs)));
  }
}

export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && backendHasKernel(GELU) && backendHasKernel(GELU_GRAD)) return fusedGelu(x);
  const op = tf.customGrad((xIn, save) => {
    const xs = xIn as tf.Tensor;
    const cdf = tf.add(0.5, tf.mul(0.5, tf.erf(tf.mul(xs, Math.SQRT1_2))));
    (save as (tensors: tf.Tensor[]) => void)([xs, cdf]);
    return {
      value: tf.mul(xs, cdf),
      gradFunc: (dy: tf.Tensor, [xv, c]: tf.Tensor[]) => {
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xv), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(c, tf.mul(xv, pdf)));
      },
    };
  });
  return op(x);
}

/** The same GELU and gradient as one kernel each (backend/wasm-kernels/gelu.ts); the forward also gives Φ(x) for the gradient. */
function fusedGelu(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((xIn, save) => {
    const xs = xIn as tf.Tensor;
    const [y, cdf] = tf.engine().runKernel(GELU, { x: xs }) as tf.Tensor[];
    (save as (tensors: tf.Tensor[]) => void)([xs, cdf]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xv, c]: tf.Tensor[]) => tf.engine().runKernel(GELU_GRAD, { x: xv, cdf: c, dy }) as tf.Tensor,
    };
  });
  return op(x);
}

/** [B, L, H] → [B, H]: the hidden state of the first token, [CLS]. */
export class ClsToken extends tfl.layers.Layer {
  static readonly className = 'DistillClsToken';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, , hidden] = inputShape as Shape;
    return [batch, hidden];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [batch, , hidden] = x.shape as [number, number, number];
      return tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, hidden]), [batch, hidden]);
    });
  }
}

/** The layers of a model that draw dropout masks (SeededDropout, and the attention's own), in the model's layer order. */
export function dropoutLayers(net: tfl.LayersModel): (SeededDropout | MultiHeadSelfAttention)[] {
  return net.layers.filter((l): l is SeededDropout | MultiHeadSelfAttention => l instanceof SeededDropout || l instanceof MultiHeadSelfAttention);
}

for (const cls of [SeededDropout, BertEmbeddings, PaddingMask, MultiHeadSelfAttention, LayerNorm, Gelu, ClsToken]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
