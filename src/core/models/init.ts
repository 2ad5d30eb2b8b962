import * as tfl from '@tensorflow/tfjs-layers';

/** Hands out a distinct, reproducible initializer seed to every layer of one model. */
export class SeededInit {
  private next: number;
  constructor(seed: number) {
    this.next = seed * 7919 + 1;
  }
  he() {
    return tfl.initializers.heNormal({ seed: this.next++ });
  }
  glorot() {
    return tfl.initializers.glorotUniform({ seed: this.next++ });
  }
  /** A bare seed from the same sequence, for layers that draw their own (initializers, dropout masks). */
  seed(): number {
    return this.next++;
  }
}

/**
 * Keras-style BN momentum 0.9 (PyTorch's 0.1). tfjs's default 0.99 leaves the moving statistics
 * far from the data after a short run, so validation lags training by tens of points.
 */
export const BN_MOMENTUM = 0.9;
