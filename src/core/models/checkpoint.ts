import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replaceDirAtomic } from '../../shared/fs-atomic';
import { isInside } from '../../shared/paths';
import { ZooModel, type ModelInfo } from './zoo-model';
// Registers the transformer's custom layers, so tf.loadLayersModel can rebuild a saved transformer.
import './transformer-layers';

const WEIGHTS_FILE = 'weights.bin';

interface SavedMetadata extends ModelInfo {
  headLayer: string;
}

/** Saves in TensorFlow.js layers format (model.json + weights.bin), loadable by tf.loadLayersModel. */
export async function saveModel(model: ZooModel, dir: string): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.net.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('saving the model produced no weights');
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const metadata: SavedMetadata = { ...model.info, headLayer: model.head.name };
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
    convertedBy: 'Distill Lab',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { distillLab: metadata },
  };
  replaceDirAtomic(dir, (temp) => {
    writeFileSync(join(temp, WEIGHTS_FILE), new Uint8Array(weightData));
    writeFileSync(join(temp, 'model.json'), JSON.stringify(modelJson));
  });
}

export async function loadModel(dir: string): Promise<ZooModel> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) {
    // A run's checkpoints/<role> folder holds one checkpoint per kind: name the ones there.
    const kinds = ['best', 'last'].filter((kind) => existsSync(join(dir, kind, 'model.json')));
    const hint = kinds.length ? `; it holds the checkpoints ${kinds.map((kind) => join(dir, kind)).join(' and ')}: give one of them` : '';
    throw new Error(`checkpoint ${dir}: expected a model.json there, found none${hint}`);
  }
  let modelJson: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: { distillLab?: SavedMetadata };
  };
  try {
    modelJson = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (error) {
    throw new Error(`checkpoint ${jsonPath}: not valid JSON (${(error as Error).message})`);
  }
  const metadata = modelJson.userDefinedMetadata?.distillLab;
  if (!metadata) throw new Error(`checkpoint ${jsonPath}: expected a Distill Lab model (userDefinedMetadata.distillLab), found none`);
  const manifest: unknown = modelJson.weightsManifest;
  if (!Array.isArray(manifest) || manifest.some((group) => !Array.isArray(group?.paths) || !group.paths.every((p: unknown) => typeof p === 'string') || !Array.isArray(group.weights))) {
    throw new Error(`checkpoint ${jsonPath}: expected a weights manifest (weightsManifest: [{ paths, weights }]), found ${manifest === undefined ? 'none' : 'a malformed one'}`);
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const buffers = modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(weightsFile(dir, jsonPath, p))));
  const weightData = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  const expectedBytes = weightSpecs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weightData.byteLength !== expectedBytes) {
    throw new Error(`checkpoint ${dir}: expected ${expectedBytes} bytes of weights, found ${weightData.byteLength}`);
  }
  const net = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  const { headLayer, ...info } = metadata;
  return new ZooModel(net, net.getLayer(headLayer), info);
}

/** A weights file named by the manifest: it must lie inside the checkpoint folder, also once symbolic links are followed. */
function weightsFile(dir: string, jsonPath: string, path: string): string {
  const file = resolve(dir, path);
  const refuse = () => new Error(`checkpoint ${jsonPath}: weights file "${path}" lies outside the checkpoint folder; a checkpoint's weights must be inside its own folder`);
  if (!isInside(dir, file)) throw refuse();
  if (existsSync(file) && !isInside(realpathSync(dir), realpathSync(file))) throw refuse();
  return file;
}
