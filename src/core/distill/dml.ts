import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { ReplicaRecipe, StepOutput, TrainBatch, TrainedTogether, TrainMember } from './distiller';
import { crossEntropy } from './losses';
import { dmlLoss } from './losses/dml';

export interface Peer {
  role: string;
  model: ZooModel;
}

/**
 * Another peer's prediction while peer i is updated: in training mode (batch statistics in its BN
 * layers, as in the forward pass where it trains), but with its state left as it was — its moving
 * statistics (its only non-trainable weights) are put back after the pass. The authors' code does
 * the same: every network is built with is_training=True, so a peer's predictions use batch
 * statistics, and the train op of network i runs only the UPDATE_OPS of network i's scope, so
 * the other networks' moving averages do not move while network i is updated
 * (YingZhangDUT/Deep-Mutual-Learning `train_models.py`). Inference mode would instead give peer i
 * targets normalised by moving averages, not by the batch statistics every peer trains with, and
 * differ from the one-pass ('simultaneous') targets even before any peer has moved.
 */
function peerPrediction(model: ZooModel, x: tf.Tensor): tf.Tensor2D {
  const state = model.net.nonTrainableWeights;
  const saved = state.map((w) => tf.clone(w.read()));
  try {
    return model.forward(x, true).logits;
  } finally {
    state.forEach((w, k) => w.write(saved[k]));
    tf.dispose(saved);
  }
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
    private readonly updateOption: 'alternating' | 'simultaneous',
  ) {
    if (peers.length < 2) throw new Error(`dml: needs at least 2 peers, got ${peers.length}`);
    super('dml', peers[0].model);
    this.update = updateOption === 'alternating' ? 'in-turn' : 'joint';
    this.members = peers.map(({ role, model }) => ({ role, model, variables: () => model.trainableVariables() }));
  }

  override trainableVariables() {
    return this.peers.flatMap((p) => p.model.trainableVariables());
  }

  /** A replica rebuilds every peer: the first as its student, the others from the recipe's models (trained, not frozen teachers). */
  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'dml', update: this.updateOption, roles: this.peers.map((p) => p.role) }, teachers: this.peers.slice(1).map((p) => p.model) };
  }

  private peerLosses(i: number, logits: tf.Tensor2D[], batch: TrainBatch): StepOutput {
    return { logits: logits[i], losses: { ce: crossEntropy(logits[i], this.labels(batch)), dml: dmlLoss(logits, i) } };
  }

  private forwardPeers(batch: TrainBatch): tf.Tensor2D[] {
    return this.peers.map((p) => p.model.forward(batch.x, true).logits);
  }

  /**
   * Peer i's terms, in turn: peer i's forward pass is the one that moves its BN statistics; the
   * other peers' fresh predictions leave theirs where they were, so over a step of K updates each
   * peer's moving statistics move once, not K times.
   */
  forwardMember(i: number, batch: TrainBatch): StepOutput {
    const logits = this.peers.map((p, j) => (j === i ? p.model.forward(batch.x, true).logits : peerPrediction(p.model, batch.x)));
    return this.peerLosses(i, logits, batch);
  }

  forwardAll(batch: TrainBatch): StepOutput[] {
    const logits = this.forwardPeers(batch);
    return this.peers.map((_, i) => this.peerLosses(i, logits, batch));
  }

  /** All peers from one forward pass, their terms named by role (for a single optimizer over every peer). */
  forwardTrain(batch: TrainBatch): StepOutput {
    const outputs = this.forwardAll(batch);
    const losses = Object.fromEntries(outputs.flatMap((out, i) => Object.entries(out.losses).map(([name, value]) => [`${this.peers[i].role}/${name}`, value])));
    return { logits: outputs[0].logits, losses };
  }
}
