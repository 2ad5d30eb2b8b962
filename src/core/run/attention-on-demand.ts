// One validation sample's attention maps, computed when asked (`distill-lab attention`, which the
// attention view's host runs for a sample the run did not store): the run's config read back, its
// data prepared again as the run prepared it (the split depends on data.splitSeed only, the
// vocabulary on the training split), and each transformer the knowledge index names at the
// checkpoint its stored maps came from — the maps taken exactly as storeKnowledge takes them.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { checkSampleInRange, type AttentionSamplePayload } from '../../shared/attention-sample';
import { encodeArray, toBase64 } from '../../shared/knowledge-files';
import { parseExperimentConfig, type BackendName, type ExperimentConfig, type KnowledgeIndex } from '../../shared/protocol';
import { RUN_FILES, RunFolder } from '../../shared/run-folder';
import { initBackend } from '../backend/select';
import { loadModel } from '../models/checkpoint';
import { attentionMaps, attentionSample } from './knowledge-store';
import { prepareData } from './prepare-data';

export interface AttentionSampleOptions {
  /** Relative dataset and checkpoint paths of the run's config resolve against this folder (as the run's did). */
  baseDir?: string;
  /** Default cpu: one sample's forward pass needs no more, and cpu starts at once. */
  backend?: BackendName;
  log?: (message: string) => void;
}

/** The run's config.json, as the trainer resolved it. */
function readConfig(folder: RunFolder): ExperimentConfig {
  const file = folder.path(RUN_FILES.config);
  if (!existsSync(file)) throw new Error(`${folder.dir}: not a run folder (it has no ${RUN_FILES.config})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: expected JSON, ${(error as Error).message}`);
  }
  return parseExperimentConfig(raw);
}

/** The run's knowledge index, which names its transformers and their maps' shapes. */
function readIndex(folder: RunFolder): KnowledgeIndex {
  const summary = folder.inspectSummary();
  if (summary.state === 'missing') throw new Error(`${folder.path(RUN_FILES.summary)}: missing — the run has not finished; its attention maps come from its best checkpoints at the end`);
  if (summary.state === 'damaged') throw new Error(`${summary.damage.path} is damaged: ${summary.damage.reason}`);
  const index = summary.value.knowledge;
  if (!index) throw new Error(`${folder.path(RUN_FILES.summary)} names no knowledge files: the run ended early, or was made before Distill Lab stored them`);
  return index;
}

type AttentionEntry = KnowledgeIndex['models'][number] & { attention: NonNullable<KnowledgeIndex['models'][number]['attention']> };

/** Where a model's weights are: its best checkpoint in the run, or (a teacher evaluated as it was, epoch 0) the checkpoint the config names. */
function checkpointOf(folder: RunFolder, config: ExperimentConfig, entry: AttentionEntry, baseDir: string): string {
  const best = folder.checkpointDir(entry.role, 'best');
  if (existsSync(join(best, 'model.json'))) return best;
  const given = config.teacher.checkpoint;
  if (entry.epoch === 0 && entry.role.startsWith('teacher') && given) {
    const dir = isAbsolute(given) ? given : resolve(baseDir, given);
    if (existsSync(join(dir, 'model.json'))) return dir;
    throw new Error(`${entry.role}: its checkpoint ${dir} (config teacher.checkpoint) is missing: expected a model.json there`);
  }
  throw new Error(`${entry.role}: its best checkpoint is missing: expected ${join(best, 'model.json')}`);
}

/** The maps of validation sample `sample` of the run in `runDir`, for each of its transformers. */
export async function computeAttentionSample(runDir: string, sample: number, options: AttentionSampleOptions = {}): Promise<AttentionSamplePayload> {
  const folder = new RunFolder(runDir);
  const config = readConfig(folder);
  const index = readIndex(folder);
  const entries = index.models.filter((m): m is AttentionEntry => m.attention !== undefined);
  if (entries.length === 0) throw new Error(`${runDir}: no model of this run has attention maps — only transformers on text data have them`);
  checkSampleInRange(sample, index.count);
  const baseDir = options.baseDir ?? process.cwd();
  const checkpoints = entries.map((entry) => checkpointOf(folder, config, entry, baseDir));

  await initBackend(options.backend ?? 'cpu', options.log ?? (() => {}));
  tf.env().set('PROD', true);
  const data = await prepareData(config.data, config.predictionSamples, baseDir);
  if (data.validation.count !== index.count) {
    throw new Error(`the run's data has changed: its validation split now holds ${data.validation.count} samples, ${RUN_FILES.summary} says ${index.count}`);
  }
  const chosen = attentionSample(data, [sample]);
  if (!chosen) throw new Error(`${runDir}: its data is not text: attention maps are for text runs`);

  const models: AttentionSamplePayload['models'] = [];
  for (const [k, entry] of entries.entries()) {
    const model = await loadModel(checkpoints[k]);
    try {
      const maps = attentionMaps(model, chosen, data.inputShape);
      if (!maps) throw new Error(`${entry.role}: ${checkpoints[k]} is not a transformer`);
      const { layers, heads } = entry.attention;
      if (maps.layers !== layers || maps.heads !== heads) {
        throw new Error(`${entry.role}: ${checkpoints[k]} has ${maps.layers} layers × ${maps.heads} heads, ${RUN_FILES.summary} says ${layers} × ${heads}`);
      }
      models.push({ role: entry.role, epoch: entry.epoch, layers, heads, values: toBase64(encodeArray(maps.values, 'float32')) });
    } finally {
      model.dispose();
    }
  }
  return { sample, tokens: chosen.tokens[0], models };
}
