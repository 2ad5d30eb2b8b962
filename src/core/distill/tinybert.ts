import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ProjectionSharing } from '../../shared/methods/tinybert';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { meanSquaredError } from './losses/mse';
import { softCrossEntropy } from './losses/soft-cross-entropy';
import { requireSameHeads, tinyBertAttentionLoss, tinyBertHiddenLoss, tinyBertTransformerMap } from './losses/tinybert';
import { FeatureConnector, linearNet, variablesOf } from './modules/connector';
import { bothTransformers, sequenceOf } from './modules/sequence';
import { blockShapes, fieldOf } from './modules/taps';

export interface TinyBertOptions {
  temperature: number;
  /** One W for every matched layer (TinyBERT's `fit_dense`) when absent or 'shared'. */
  projection?: ProjectionSharing;
  seed: number;
}

/**
 * TinyBERT's layer map g: the student's first block (its "embedding" output) to the teacher's
 * first, then hidden block m (1…M−1) to teacher block round(m·(N−1)/(M−1)) — TinyBERT's uniform
 * g(m) = m·N/M counted past the embedding layer, so the last blocks meet.
 */
export function tinyBertLayerMap(studentBlocks: number, teacherBlocks: number): number[] {
  return Array.from({ length: studentBlocks }, (_, m) => (m === 0 ? 0 : Math.round((m * (teacherBlocks - 1)) / (studentBlocks - 1))));
}

/**
 * One W (TinyBERT's `fit_dense`, a Linear(student width, teacher width)) applied along the last
 * axis of any feature: a vector, or every position of a map (there a 1×1 convolution).
 */
export class SharedProjection {
  private readonly net: tfl.LayersModel;

  constructor(
    inputWidth: number,
    private readonly outputWidth: number,
    seed: number,
  ) {
    this.net = linearNet([inputWidth], outputWidth, 'linear', seed);
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const shape = x.shape;
      const flat = tf.reshape(x, [-1, shape[shape.length - 1]]);
      return tf.reshape(this.net.apply(flat, { training }) as tf.Tensor, [...shape.slice(0, -1), this.outputWidth]);
    });
  }

  trainableVariables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  dispose(): void {
    this.net.dispose();
  }
}

const distinct = (values: number[]) => [...new Set(values)];

/**
 * The one width of the student's matched blocks and the one of the teacher's, which a shared W
 * needs, or a config error naming `config.method.projection`.
 */
function sharedWidths(student: ZooModel, teacher: ZooModel, studentShapes: number[][], targetShapes: number[][]): [number, number] {
  const studentWidths = distinct(studentShapes.map((s) => s[s.length - 1]));
  const teacherWidths = distinct(targetShapes.map((s) => s[s.length - 1]));
  if (studentWidths.length > 1 || teacherWidths.length > 1) {
    throw new ConfigError([
      `config.method.projection: "shared" (one W for every layer, as TinyBERT's fit_dense) needs the student's blocks of one width and the matched teacher blocks of one width; ` +
        `${fieldOf(student)} has blocks ${studentShapes.map((s) => s[s.length - 1]).join(', ')} wide, the matched blocks of ${fieldOf(teacher)} ${targetShapes.map((s) => s[s.length - 1]).join(', ')} — set method.projection to "per-layer"`,
    ]);
  }
  return [studentWidths[0], teacherWidths[0]];
}

/**
 * TinyBERT in two stages. 'intermediate': Σ_l MSE(W·h_s^l, h_t^g(l)) over the embedding (first
 * block) and the mapped hidden blocks, W learned (a dense layer, or a 1×1 conv on maps): one W
 * shared by every layer, as TinyBERT's `fit_dense`, by default; one W_l per layer with
 * `projection: 'per-layer'`. Maps of other sizes are pooled to match (W is linear, so pooling
 * before or after it is the same). 'prediction': soft cross-entropy of the student's logits
 * against the teacher's at T, averaged over batch × classes and without hard labels
 * (`task_distill.py`'s `soft_cross_entropy` in pred_distill).
 *
 * On transformers, stage 1 is `task_distill.py`'s: student state m (0 the embedding output, m the
 * output of layer m) through W against teacher state g(m) = m·N/M (tinyBertTransformerMap), the
 * embedding term apart from the hidden ones, plus the attention loss on the unnormalised scores of
 * every head of layer m against teacher layer g(m), masked keys zeroed, summed over layers; the
 * heads must match.
 */
export class TinyBertDistiller extends BaseDistiller<'tinybert'> {
  override readonly usesLabels = false;
  private readonly text: boolean;
  private readonly layerMap: number[];
  /** Per layer: the pooling that matches the sizes, and, per-layer, its own W. */
  private readonly connectors: FeatureConnector[] = [];
  /** The one W of 'shared'. */
  private readonly shared?: SharedProjection;
  /** Transformers: W per state (one shared W repeated, or one each). */
  private readonly stateProjections: SharedProjection[] = [];

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: TinyBertOptions,
    private readonly stage: 'intermediate' | 'prediction',
  ) {
    super('tinybert', student);
    this.text = bothTransformers('tinybert', student, teacher);
    if (this.text) {
      const [s, t] = [student.info.spec, teacher.info.spec];
      if (s.arch !== 'transformer' || t.arch !== 'transformer') throw new Error('tinybert: transformers expected');
      this.layerMap = stage === 'intermediate' ? tinyBertTransformerMap(s.layers, t.layers) : [];
      if (stage === 'intermediate') {
        try {
          requireSameHeads('TinyBERT', s.heads, t.heads);
        } catch (error) {
          throw new ConfigError([`config.student.model: ${(error as Error).message} (TinyBERT's attention loss compares the scores of every head)`]);
        }
        const perLayer = options.projection === 'per-layer';
        const one = perLayer ? undefined : this.add(new SharedProjection(s.hidden, t.hidden, options.seed));
        this.stateProjections = this.layerMap.map((_, m) => one ?? this.add(new SharedProjection(s.hidden, t.hidden, options.seed + m)));
      }
      return;
    }
    const studentShapes = blockShapes(student);
    const teacherShapes = blockShapes(teacher);
    this.layerMap = stage === 'intermediate' ? tinyBertLayerMap(studentShapes.length, teacherShapes.length) : [];
    const targetShapes = this.layerMap.map((t) => teacherShapes[t]);
    if (this.layerMap.length > 0 && (options.projection ?? 'shared') === 'shared') {
      const [inputWidth, outputWidth] = sharedWidths(student, teacher, studentShapes, targetShapes);
      this.shared = this.add(new SharedProjection(inputWidth, outputWidth, options.seed));
      // The pooling alone: built as if the student feature already had the teacher's width, the
      // connector has no layer of its own (the reductions do not depend on the channels).
      this.connectors = this.layerMap.map(
        (_, l) => new FeatureConnector([...studentShapes[l].slice(0, -1), outputWidth], targetShapes[l], { kind: 'linear', seed: options.seed + l, identityWhenEqual: true }),
      );
      if (this.connectors.some((c) => c.trainableVariables().length > 0)) throw new Error('tinybert: a shared projection needs no layer per connector');
    } else {
      this.connectors = this.layerMap.map((_, l) => this.add(new FeatureConnector(studentShapes[l], targetShapes[l], { kind: 'linear', seed: options.seed + l })));
    }
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'tinybert', options: this.options, stage: this.stage }, teachers: [this.teacher] };
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const t = this.teacher.forward(batch.x, false);
    const s = this.student.forward(batch.x, true);
    const { logits, features } = s;
    if (this.stage === 'prediction') return { logits, losses: { soft: softCrossEntropy(logits, t.logits, this.options.temperature, 'mean') } };
    if (this.text) {
      const ss = sequenceOf(s, this.student);
      const ts = sequenceOf(t, this.teacher);
      const studentStates = [ss.embeddingOutput, ...ss.hidden];
      const teacherStates = [ts.embeddingOutput, ...ts.hidden];
      const projected = studentStates.map((h, m) => this.stateProjections[m].apply(h, true));
      const targets = this.layerMap.map((g) => teacherStates[g]);
      const hidden = tinyBertHiddenLoss(projected.slice(1), targets.slice(1));
      const attention = tinyBertAttentionLoss(
        ss.scores,
        this.layerMap.slice(1).map((g) => ts.scores[g - 1]),
        ss.mask,
      );
      return { logits, losses: { embedding: tinyBertHiddenLoss([projected[0]], [targets[0]]), hidden, attention } };
    }
    const terms = this.connectors.map((c, l) => {
      const projected = this.shared ? this.shared.apply(c.connect(features[l], true), true) : c.connect(features[l], true);
      return meanSquaredError(projected, c.target(t.features[this.layerMap[l]]));
    });
    const [embedding, ...hidden] = terms;
    return { logits, losses: { embedding, ...(hidden.length ? { hidden: tf.addN(hidden) as tf.Scalar } : {}) } };
  }
}
