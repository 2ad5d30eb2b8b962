import type * as tfl from '@tensorflow/tfjs-layers';

/** What an architecture contributes before the classifier head. */
export interface Backbone {
  /** Block outputs, shallow to deep (feature taps for hint, attention and multi-layer methods). */
  features: tfl.SymbolicTensor[];
  /** The pooled penultimate representation that the head classifies. */
  embedding: tfl.SymbolicTensor;
  /** A transformer's token-level taps (see SequenceTaps in zoo-model.ts), extra outputs of the net. */
  sequence?: {
    mask: tfl.SymbolicTensor;
    embeddingOutput: tfl.SymbolicTensor;
    scores: tfl.SymbolicTensor[];
    probs: tfl.SymbolicTensor[];
    values: tfl.SymbolicTensor[];
    cls: tfl.SymbolicTensor[];
  };
}
