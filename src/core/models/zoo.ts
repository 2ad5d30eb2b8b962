import * as tfl from '@tensorflow/tfjs-layers';
import { ModelSpec, type ModelSpecInput } from '../../shared/protocol';
import type { Backbone } from './backbone';
import { cnnBackbone } from './cnn';
import { SeededInit } from './init';
import { mlpBackbone } from './mlp';
import { resnetBackbone } from './resnet';
import { transformerBackbone } from './transformer';
import { ZooModel, sequenceOutputs } from './zoo-model';

export interface BuildOptions {
  inputShape: number[];
  numClasses: number;
  /** 'teacher', 'student', … : names the layers, so taps read well in a saved model.json. */
  role: string;
  seed: number;
  /** Rows of a transformer's embedding table: the text data set's vocabulary size (LoadedDataset.text.vocabSize). */
  vocabSize?: number;
}

function backboneFor(spec: ModelSpec, input: tfl.SymbolicTensor, init: SeededInit, prefix: string, vocabSize: number | undefined): Backbone {
  switch (spec.arch) {
    case 'mlp':
      return mlpBackbone(input, spec.hidden, init, prefix);
    case 'cnn':
      return cnnBackbone(input, spec.widths, spec.dense, init, prefix);
    case 'resnet':
      return resnetBackbone(input, spec.depth, spec.widthMultiplier, init, prefix);
    case 'transformer':
      return transformerBackbone(input, spec, vocabSize, init, prefix);
  }
}

export function describeModel(spec: ModelSpec): string {
  switch (spec.arch) {
    case 'mlp':
      return `mlp ${spec.hidden.join('-')}`;
    case 'cnn':
      return `cnn ${spec.widths.join('-')}${spec.dense ? ` fc${spec.dense}` : ''}`;
    case 'resnet':
      return `resnet${spec.depth}${spec.widthMultiplier > 1 ? `x${spec.widthMultiplier}` : ''}`;
    case 'transformer':
      return `transformer ${spec.layers}x${spec.hidden}h${spec.heads}${spec.intermediate != null && spec.intermediate !== 4 * spec.hidden ? ` ff${spec.intermediate}` : ''}`;
  }
}

export function buildModel(specInput: ModelSpecInput, options: BuildOptions): ZooModel {
  const spec = ModelSpec.parse(specInput);
  const init = new SeededInit(options.seed);
  const prefix = options.role.replace(/[^A-Za-z0-9]/g, '_');
  const input = tfl.input({ shape: options.inputShape, name: `${prefix}_input` });
  const backbone = backboneFor(spec, input, init, prefix, options.vocabSize);
  const { features } = backbone;
  // A model's outputs must be distinct tensors; where the embedding is also the last tap (mlp), an
  // identity layer gives it its own output.
  const embedding = features.includes(backbone.embedding)
    ? (tfl.layers.activation({ activation: 'linear', name: `${prefix}_embedding` }).apply(backbone.embedding) as tfl.SymbolicTensor)
    : backbone.embedding;
  const head = tfl.layers.dense({ units: options.numClasses, kernelInitializer: init.glorot(), name: `${prefix}_head` });
  const logits = head.apply(embedding) as tfl.SymbolicTensor;
  const sequence = backbone.sequence ? sequenceOutputs(backbone.sequence) : [];
  const net = tfl.model({ inputs: input, outputs: [logits, embedding, ...features, ...sequence], name: prefix });
  const info = { spec, inputShape: options.inputShape, numClasses: options.numClasses, role: options.role };
  return new ZooModel(net, head, spec.arch === 'transformer' ? { ...info, vocabSize: options.vocabSize } : info);
}
