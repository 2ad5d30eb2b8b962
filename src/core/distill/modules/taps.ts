import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type LayerStrategy } from '../../../shared/protocol';
import type { ZooModel } from '../../models/zoo-model';

/** The config field that chose a model, for error messages. */
export function fieldOf(model: ZooModel): string {
  return model.info.role.startsWith('teacher') ? 'config.teacher.model' : 'config.student.model';
}

/** Shapes of a model's block outputs without the batch: [H, W, C] maps or [D] vectors. */
export function blockShapes(model: ZooModel): number[][] {
  return model.featureShapes();
}

export function embeddingSize(model: ZooModel): number {
  return model.net.outputs[1].shape[1] as number;
}

/** The middle block, as RepDistiller's hint layer 2 is the middle stage of a CIFAR ResNet. */
export function middleBlock(count: number): number {
  return Math.floor((count - 1) / 2);
}

/** A 0-based block index from the config (or its default), checked against the model's blocks. */
export function blockIndex(value: number | undefined, model: ZooModel, field: string): number {
  const count = blockShapes(model).length;
  const index = value ?? middleBlock(count);
  if (index >= count) {
    throw new ConfigError([`${field}: expected a block index below ${count} (${fieldOf(model)} has ${count} block${count === 1 ? '' : 's'}), got ${index}`]);
  }
  return index;
}

/**
 * The teacher block (0-based) matched to each student block of `studentBlocks`, the student having
 * `studentCount` blocks and the teacher `teacherCount`: 'skip' maps block l (1-based) to
 * round(l·N/M) (PKD-Skip: 6 → 12 layers gives 2, 4, …, 12), 'last' to N − M + l (PKD-Last).
 */
export function mapBlocks(studentBlocks: number[], studentCount: number, teacherCount: number, strategy: LayerStrategy): number[] {
  if (strategy === 'last' && teacherCount < studentCount) {
    throw new ConfigError([`config.method.strategy: "last" needs a teacher with at least as many blocks as the student (${studentCount}), the teacher has ${teacherCount}`]);
  }
  return studentBlocks.map((l) => (strategy === 'skip' ? Math.max(1, Math.round(((l + 1) * teacherCount) / studentCount)) - 1 : teacherCount - studentCount + l));
}

/** Rejects a model whose blocks are not image feature maps, naming the field that chose it. */
export function requireFeatureMaps(model: ZooModel, method: string, minBlocks = 1): number[][] {
  const shapes = blockShapes(model);
  if (shapes.some((s) => s.length !== 3)) {
    throw new ConfigError([`${fieldOf(model)}: method "${method}" needs convolutional feature maps (arch cnn or resnet), got ${model.info.spec.arch}`]);
  }
  if (shapes.length < minBlocks) {
    throw new ConfigError([`${fieldOf(model)}: method "${method}" needs at least ${minBlocks} blocks, got ${shapes.length}`]);
  }
  return shapes;
}

/** Global average pooling of an NHWC map to [B, C]; a [B, D] vector passes through. */
export function pooled(f: tf.Tensor): tf.Tensor2D {
  return (f.rank === 4 ? tf.mean(f, [1, 2]) : f) as tf.Tensor2D;
}
