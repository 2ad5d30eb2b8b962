import * as tfl from '@tensorflow/tfjs-layers';
import { intermediateSize, transformerSpecError, type TransformerSpec } from '../../shared/protocol';
import type { Backbone } from './backbone';
import type { SeededInit } from './init';
import { BertEmbeddings, ClsToken, Gelu, LayerNorm, MultiHeadSelfAttention, PaddingMask, SeededDropout, bertInitializer } from './transformer-layers';

type Sym = tfl.SymbolicTensor;

/** BERT's layer_norm_eps. */
export const LAYER_NORM_EPSILON = 1e-12;

/**
 * A BERT encoder (Devlin et al. 2019; Hugging Face's `modeling_bert.py` names the layers) over
 * [B, L] token ids, 0 = padding: word + position embeddings → LayerNorm → dropout, then `layers`
 * post-LN blocks of multi-head self-attention and a GELU (erf, as BERT; see Gelu) feed-forward, each sub-block
 * LayerNorm(x + dropout(sublayer(x))); the [CLS] state of the last block through the pooler
 * (dense + tanh) is the embedding the head classifies. Features are the blocks' hidden states.
 */
export function transformerBackbone(input: Sym, spec: TransformerSpec, vocabSize: number | undefined, init: SeededInit, prefix: string): Backbone {
  if (input.shape.length !== 2) throw new Error(`model "transformer" needs token-id inputs [L] from a text data set, got shape [${input.shape.slice(1).join(', ')}]`);
  const problem = transformerSpecError(spec);
  if (problem) throw new Error(`model "transformer": ${problem}`);
  if (vocabSize == null) throw new Error('model "transformer" needs the vocabulary size of a text data set (BuildOptions.vocabSize); the data set given has none');
  if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new Error(`model "transformer": vocabSize must be an integer of at least 2 (PAD and one token), got ${vocabSize}`);
  const length = input.shape[1] as number;
  if (length > spec.maxLength) {
    throw new Error(`model "transformer": the data's sequences hold ${length} tokens, more than the model's maxLength ${spec.maxLength}; raise maxLength or shorten the data's maxLength`);
  }
  const { hidden, heads, dropout } = spec;
  const intermediate = intermediateSize(spec);
  const dense = (units: number, name: string, activation?: 'tanh') => tfl.layers.dense({ units, activation, kernelInitializer: bertInitializer(init.seed()), name: `${prefix}_${name}` });
  const drop = (x: Sym, name: string) => new SeededDropout({ rate: dropout, seed: init.seed(), name: `${prefix}_${name}` }).apply(x) as Sym;
  const layerNorm = (x: Sym, name: string) => new LayerNorm({ epsilon: LAYER_NORM_EPSILON, name: `${prefix}_${name}` }).apply(x) as Sym;
  const residual = (x: Sym, sub: Sym, name: string) => layerNorm(tfl.layers.add({ name: `${prefix}_${name}_add` }).apply([drop(sub, `${name}_dropout`), x]) as Sym, `${name}_LayerNorm`);
  const cls = (x: Sym, name: string) => new ClsToken({ name: `${prefix}_${name}` }).apply(x) as Sym;

  const mask = new PaddingMask({ name: `${prefix}_attention_mask` }).apply(input) as Sym;
  const summed = new BertEmbeddings({ vocabSize, hidden, maxLength: spec.maxLength, seed: init.seed(), name: `${prefix}_embeddings` }).apply(input) as Sym;
  const embeddingOutput = drop(layerNorm(summed, 'embeddings_LayerNorm'), 'embeddings_dropout');

  let x = embeddingOutput;
  const features: Sym[] = [];
  const sequence: NonNullable<Backbone['sequence']> = { mask, embeddingOutput, scores: [], probs: [], values: [], cls: [] };
  for (let i = 0; i < spec.layers; i++) {
    const name = `layer${i}`;
    const q = dense(hidden, `${name}_attention_self_query`).apply(x) as Sym;
    const k = dense(hidden, `${name}_attention_self_key`).apply(x) as Sym;
    const v = dense(hidden, `${name}_attention_self_value`).apply(x) as Sym;
    const attention = new MultiHeadSelfAttention({ heads, dropout, seed: init.seed(), name: `${prefix}_${name}_attention_self` });
    const [context, scores, probs, values] = attention.apply([q, k, v, mask]) as Sym[];
    const attended = residual(x, dense(hidden, `${name}_attention_output_dense`).apply(context) as Sym, `${name}_attention_output`);
    const inner = new Gelu({ name: `${prefix}_${name}_intermediate_gelu` }).apply(dense(intermediate, `${name}_intermediate_dense`).apply(attended)) as Sym;
    x = residual(attended, dense(hidden, `${name}_output_dense`).apply(inner) as Sym, `${name}_output`);
    features.push(x);
    sequence.scores.push(scores);
    sequence.probs.push(probs);
    sequence.values.push(values);
    sequence.cls.push(cls(x, `${name}_cls`));
  }
  const embedding = dense(hidden, 'pooler_dense', 'tanh').apply(sequence.cls[spec.layers - 1]) as Sym;
  return { features, embedding, sequence };
}
