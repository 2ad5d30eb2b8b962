import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { intermediateSize, type TransformerSpec } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';

/**
 * The teacher layer (0-based) each student layer starts from: every other one, 2i (DistilBERT's
 * initialisation "taking one layer out of two" from the teacher, `scripts/extract_distilbert.py`),
 * or, when the student is deeper than half the teacher, layers spread evenly from the first to
 * the last.
 */
export function initLayerMap(studentLayers: number, teacherLayers: number): number[] {
  if (2 * (studentLayers - 1) <= teacherLayers - 1) return Array.from({ length: studentLayers }, (_, i) => 2 * i);
  return Array.from({ length: studentLayers }, (_, i) => Math.round((i * (teacherLayers - 1)) / (studentLayers - 1)));
}

const specOf = (model: ZooModel) => (model.info.spec.arch === 'transformer' ? model.info.spec : undefined);

/**
 * Why the student cannot start from the teacher's layers, or undefined when it can: both
 * transformers of one width (hidden, feed-forward, positions, vocabulary), the student no deeper.
 */
export function initMismatch(student: ZooModel, teacher: ZooModel): string | undefined {
  const s = specOf(student);
  const t = specOf(teacher);
  if (!s || !t) return 'both models must be transformers';
  const widths: [string, (spec: TransformerSpec, model: ZooModel) => number | undefined][] = [
    ['hidden', (spec) => spec.hidden],
    ['intermediate', (spec) => intermediateSize(spec)],
    ['maxLength', (spec) => spec.maxLength],
    ['vocabulary size', (_, model) => model.info.vocabSize],
  ];
  for (const [name, of] of widths) {
    if (of(s, student) !== of(t, teacher)) return `the student's ${name} is ${of(s, student)}, the teacher's ${of(t, teacher)}`;
  }
  if (s.layers > t.layers) return `the student has ${s.layers} layers, more than the teacher's ${t.layers}`;
  return undefined;
}

/**
 * The prefix of a transformer's layer names (`<prefix>_embeddings`, `<prefix>_layer0_…`): read from
 * its layers, since a teacher loaded from a checkpoint keeps the names it was saved with.
 */
function prefixOf(model: ZooModel): string {
  const embeddings = model.net.layers.find((l) => l.name.endsWith('_embeddings'));
  if (!embeddings) throw new Error(`initFromTeacher: the ${model.info.role} has no embeddings layer (<prefix>_embeddings)`);
  return embeddings.name.slice(0, -'embeddings'.length);
}

/**
 * DistilBERT's initialisation: the student's embeddings (word, position, their LayerNorm) and each
 * encoder layer i copied from the teacher's, layer i from teacher layer initLayerMap(i); the pooler
 * and the classifier keep their own initialisation. Returns the copied pairs of layer names.
 */
export function initFromTeacher(student: ZooModel, teacher: ZooModel): { student: string; teacher: string }[] {
  const problem = initMismatch(student, teacher);
  if (problem) throw new Error(`initFromTeacher: ${problem}`);
  const map = initLayerMap((student.info.spec as TransformerSpec).layers, (teacher.info.spec as TransformerSpec).layers);
  const sp = prefixOf(student);
  const tp = prefixOf(teacher);
  const teacherLayers = new Map(teacher.net.layers.map((l) => [l.name, l]));
  const copied: { student: string; teacher: string }[] = [];
  for (const layer of student.net.layers) {
    if (!layer.name.startsWith(sp) || layer.weights.length === 0) continue;
    const suffix = layer.name.slice(sp.length);
    const encoder = /^layer(\d+)_(.+)$/.exec(suffix);
    const source = encoder ? `${tp}layer${map[Number(encoder[1])]}_${encoder[2]}` : suffix.startsWith('embeddings') ? `${tp}${suffix}` : undefined;
    if (!source) continue;
    const from = teacherLayers.get(source) as tfl.layers.Layer | undefined;
    if (!from) throw new Error(`initFromTeacher: the teacher has no layer ${source} for the student's ${layer.name}`);
    tf.tidy(() => layer.setWeights(from.getWeights().map((w) => tf.clone(w))));
    copied.push({ student: layer.name, teacher: source });
  }
  return copied;
}
