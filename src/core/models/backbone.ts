import type * as tfl from '@tensorflow/tfjs-layers';

/** What an architecture contributes before the classifier head. */
export interface Backbone {
  /** Block outputs, shallow to deep (feature taps for hint, attention and multi-layer methods). */
  features: tfl.SymbolicTensor[];
  /** The pooled penultimate representation that the head classifies. */
  embedding: tfl.SymbolicTensor;
}
