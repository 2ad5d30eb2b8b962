import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { StepOutput, TrainBatch, TrainedTogether, TrainMember } from './distiller';
import { crossEntropy } from './losses';
import { dmlLoss } from './losses/dml';

export interface Peer {
  role: string;
  model: ZooModel;
}

/**
 * Deep mutual learning: K peers trained together, each with CE + Σ_{j≠i} KL(p_j‖p_i)/(K−1), the
 * other peers' probabilities held constant. 'alternating' updates the peers in turn within a step,
 * each against freshly recomputed predictions (the paper's Algorithm 1); 'simultaneous' updates
 * them all from one forward pass (the authors' released code).
 */
export class MutualLearning extends BaseDistiller<'dml'> implements TrainedTogether {
  readonly members: TrainMember[];
  readonly update: 'in-turn' | 'joint';
  readonly together: TrainedTogether = this;

  constructor(
    private readonly peers: Peer[],
    update: 'alternating' | 'simultaneous',
  ) {
    if (peers.length < 2) throw new Error(`dml: needs at least 2 peers, got ${peers.length}`);
    super('dml', peers[0].model);
    this.update = update === 'alternating' ? 'in-turn' : 'joint';
    this.members = peers.map(({ role, model }) => ({ role, model, variables: () => model.trainableVariables() }));
  }

  override trainableVariables() {
    return this.peers.flatMap((p) => p.model.trainableVariables());
  }

  private peerLosses(i: number, logits: tf.Tensor2D[], batch: TrainBatch): StepOutput {
    return { logits: logits[i], losses: { ce: crossEntropy(logits[i], this.labels(batch)), dml: dmlLoss(logits, i) } };
  }

  private forwardPeers(batch: TrainBatch): tf.Tensor2D[] {
    return this.peers.map((p) => p.model.forward(batch.x, true).logits);
  }

  forwardMember(i: number, batch: TrainBatch): StepOutput {
    return this.peerLosses(i, this.forwardPeers(batch), batch);
  }

  forwardAll(batch: TrainBatch): StepOutput[] {
    const logits = this.forwardPeers(batch);
    return this.peers.map((_, i) => this.peerLosses(i, logits, batch));
  }

  /** All peers from one forward pass, their terms named by role (for a single optimizer over every peer). */
  forwardTrain(batch: TrainBatch): StepOutput {
    const outputs = this.forwardAll(batch);
    const losses = Object.fromEntries(
      outputs.flatMap((out, i) => Object.entries(out.losses).map(([name, value]) => [`${this.peers[i].role}/${name}`, value])),
    );
    return { logits: outputs[0].logits, losses };
  }
}
