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
}
