import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from '../../models/batch-norm';
import { BN_MOMENTUM, SeededInit } from '../../models/init';
import { pooled } from './taps';

/**
 * 'linear': a dense layer or 1×1 convolution (TinyBERT's W, a projection); 'regressor': the same
 * followed by BN and ReLU (RepDistiller's `ConvReg` for FitNets, SRRL's connector).
 */
export type ConnectorKind = 'linear' | 'regressor';

export interface ConnectorOptions {
  kind: ConnectorKind;
  seed: number;
  /** Compare pooled vectors (global average of maps) rather than the maps themselves (PKD). */
  pool?: boolean;
  /** No layer where the shapes already agree (PKD; DistilBERT projects only when sizes differ). */
  identityWhenEqual?: boolean;
}

/** What happens to a feature before the comparison: nothing, global average pooling, or average pooling by a factor. */
type Reduction = { kind: 'none' } | { kind: 'gap' } | { kind: 'avg'; factor: [number, number] };

interface Connection {
  student: Reduction;
  teacher: Reduction;
  /** Student feature shape after its reduction (the layer's input). */
  inputShape: number[];
  /** Teacher feature shape after its reduction (the layer's output). */
  targetShape: number[];
}

const NONE: Reduction = { kind: 'none' };
const GAP: Reduction = { kind: 'gap' };
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Maps of the same size are compared as they are; where one map's size divides the other's, the
 * larger is average-pooled to the smaller; otherwise (a vector on either side, e.g. an MLP student
 * and a CNN teacher, or sizes that do not divide) both are pooled to vectors.
 */
function connect(student: number[], teacher: number[], pool: boolean): Connection {
  const vectors = (): Connection => ({
    student: student.length === 3 ? GAP : NONE,
    teacher: teacher.length === 3 ? GAP : NONE,
    inputShape: [student[student.length - 1]],
    targetShape: [teacher[teacher.length - 1]],
  });
  if (pool || student.length !== 3 || teacher.length !== 3) return vectors();
  const [hs, ws, cs] = student;
  const [ht, wt, ct] = teacher;
  if (hs === ht && ws === wt) return { student: NONE, teacher: NONE, inputShape: student, targetShape: teacher };
  if (hs % ht === 0 && ws % wt === 0 && hs >= ht && ws >= wt) {
    return { student: { kind: 'avg', factor: [hs / ht, ws / wt] }, teacher: NONE, inputShape: [ht, wt, cs], targetShape: teacher };
  }
  if (ht % hs === 0 && wt % ws === 0 && ht >= hs && wt >= ws) {
    return { student: NONE, teacher: { kind: 'avg', factor: [ht / hs, wt / ws] }, inputShape: student, targetShape: [hs, ws, ct] };
  }
  return vectors();
}

function reduce(x: tf.Tensor, reduction: Reduction): tf.Tensor {
  switch (reduction.kind) {
    case 'none':
      return x;
    case 'gap':
      return pooled(x);
    case 'avg':
      return tf.avgPool(x as tf.Tensor4D, reduction.factor, reduction.factor, 'valid');
  }
}

/** A dense layer on vectors or a 1×1 convolution on maps, with BN + ReLU for a regressor. */
export function linearNet(inputShape: number[], units: number, kind: ConnectorKind, seed: number): tfl.LayersModel {
  const init = new SeededInit(seed);
  const layers: tfl.layers.Layer[] = [
    inputShape.length === 3
      ? tfl.layers.conv2d({ inputShape, filters: units, kernelSize: 1, kernelInitializer: init.he() })
      : tfl.layers.dense({ inputShape, units, kernelInitializer: init.glorot() }),
  ];
  if (kind === 'regressor') {
    layers.push(tfl.layers.batchNormalization({ momentum: BN_MOMENTUM }), tfl.layers.activation({ activation: 'relu' }));
  }
  return tfl.sequential({ layers });
}

export function variablesOf(net: tfl.LayersModel | undefined): tf.Variable[] {
  return net ? net.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val) : [];
}

/**
 * A learned map from a student feature to a teacher feature's shape, trained with the student
 * (FitNets' regressor, TinyBERT's W, SRRL's connector, a projection where sizes differ).
 */
export class FeatureConnector {
  private readonly connection: Connection;
  private readonly net?: tfl.LayersModel;

  constructor(studentShape: number[], teacherShape: number[], options: ConnectorOptions) {
    this.connection = connect(studentShape, teacherShape, options.pool ?? false);
    const { inputShape, targetShape } = this.connection;
    if (!(options.identityWhenEqual && sameShape(inputShape, targetShape))) {
      this.net = linearNet(inputShape, targetShape[targetShape.length - 1], options.kind, options.seed);
    }
  }

  /** The student feature, reduced and mapped to the target's shape. */
  connect(fs: tf.Tensor, training: boolean): tf.Tensor {
    const x = reduce(fs, this.connection.student);
    return this.net ? (this.net.apply(x, { training }) as tf.Tensor) : x;
  }

  /** The teacher feature as the target: reduced where the comparison needs it. */
  target(ft: tf.Tensor): tf.Tensor {
    return reduce(ft, this.connection.teacher);
  }

  trainableVariables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  dispose(): void {
    this.net?.dispose();
  }
}

/**
 * KD_SRRL's connector (`transfer_conv` in `distiller_zoo/AIN.py`): a 1×1 convolution without bias,
 * BN and ReLU, on the student's feature map [B, H, W, C_s] → [B, H, W, C_t]; the spatial size is
 * kept, whatever it is. The kernel is drawn as there, normal with std √(2 / fan-out) (truncated,
 * as tfjs draws it); BN starts at γ = 1, β = 0.
 */
export class ConvConnector {
  private readonly net: tfl.LayersModel;

  constructor(inputShape: number[], channels: number, seed: number) {
    if (inputShape.length !== 3) throw new Error(`ConvConnector: expected a feature map shape [H, W, C], got [${inputShape.join(', ')}]`);
    const kernelInitializer = tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed });
    this.net = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape, filters: channels, kernelSize: 1, useBias: false, kernelInitializer }),
        batchNormalization({ momentum: BN_MOMENTUM }),
        tfl.layers.activation({ activation: 'relu' }),
      ],
    });
  }

  /** c(f_s): the student's map with the teacher's channel count. */
  connect(fs: tf.Tensor, training: boolean): tf.Tensor4D {
    return this.net.apply(fs, { training }) as tf.Tensor4D;
  }

  trainableVariables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  dispose(): void {
    this.net.dispose();
  }
}
