import type * as tf from '@tensorflow/tfjs-core';
import type { MethodName } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { requireLabels, type Distiller, type StepContext, type StepOutput, type TrainBatch } from './distiller';

/** A module a method adds beside the student (a regressor, an embed head, a memory bank). */
export interface AddedModule {
  /** Absent for what the optimizer does not update (CRD's memory moves by momentum). */
  trainableVariables?(): tf.Variable[];
  dispose(): void;
}

/**
 * What every distiller has in common, so that a method's class holds its computation only: its
 * name, the student, the modules it adds (trained with the student, disposed with the
 * distiller) and the labels it reads.
 */
export abstract class BaseDistiller<N extends MethodName = MethodName> implements Distiller {
  /** Whether the method reads labels; a transfer set without labels needs false. */
  readonly usesLabels: boolean = true;
  private readonly added: AddedModule[] = [];

  protected constructor(
    readonly method: N,
    readonly student: ZooModel,
  ) {}

  /** Registers a module the method adds: the optimizer updates its variables with the student's, and it is disposed with the distiller. */
  protected add<M extends AddedModule>(module: M): M {
    this.added.push(module);
    return module;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.student.trainableVariables(), ...this.added.flatMap((m) => m.trainableVariables?.() ?? [])];
  }

  /** The batch's labels, or a clear error where a method that needs them is given a batch without. */
  protected labels(batch: TrainBatch): tf.Tensor1D {
    return requireLabels(batch, this.method);
  }

  abstract forwardTrain(batch: TrainBatch, context: StepContext): StepOutput;

  dispose(): void {
    for (const module of this.added) module.dispose();
  }
}
