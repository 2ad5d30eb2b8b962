import type { ZooModel } from '../../models/zoo-model';
import { evaluateLogits } from '../../train/evaluate';
import { predictionSamples, type PhaseReference } from '../../train/loop';
import { softmax } from '../../train/metrics';
import type { PlanContext } from './plan';
import { ensembleRow } from './rows';

/**
 * log of the (weighted) mean of the members' probabilities, [count × classes]: logits whose
 * softmax is the ensemble's prediction. Weights default to equal.
 */
export function meanProbabilityLogits(memberLogits: Float32Array[], classes: number, weights?: number[]): Float32Array {
  const w = weights ?? memberLogits.map(() => 1);
  const sum = w.reduce((a, b) => a + b, 0);
  const out = new Float32Array(memberLogits[0].length);
  for (let row = 0; row < out.length; row += classes) {
    const mean = new Float64Array(classes);
    memberLogits.forEach((logits, k) => softmax(logits.subarray(row, row + classes)).forEach((p, c) => (mean[c] += (p * w[k]) / sum)));
    mean.forEach((p, c) => (out[row + c] = Math.log(Math.max(p, 1e-30))));
  }
  return out;
}

export interface EnsembleMember {
  model: ZooModel;
  valLogits: Float32Array;
  testLogits: Float32Array;
}

/**
 * Evaluates an ensemble (mean of probabilities) on validation as its own role: one epoch event,
 * its predictions and its summary row. It trains nothing and has no checkpoint of its own.
 */
export function evaluateEnsemble(
  context: PlanContext,
  role: string,
  members: EnsembleMember[],
  options: { weights?: number[]; reference?: PhaseReference; teacherParams?: number } = {},
): PhaseReference {
  const started = Date.now();
  const { data } = context;
  const classes = data.classNames.length;
  const { reference } = options;
  const valLogits = meanProbabilityLogits(
    members.map((m) => m.valLogits),
    classes,
    options.weights,
  );
  const evaluation = evaluateLogits(valLogits, data.validation.y, classes, reference?.valLogits);
  const testLogits = meanProbabilityLogits(
    members.map((m) => m.testLogits),
    classes,
    options.weights,
  );
  const test = evaluateLogits(testLogits, data.test.y, classes, reference?.testLogits);
  const seconds = (Date.now() - started) / 1000;
  context.emit({
    type: 'epoch',
    phase: role,
    epoch: 1,
    epochs: 1,
    losses: {},
    trainAccuracy: {},
    valAccuracy: { [role]: evaluation.top1, ...(reference ? { [reference.role]: reference.valAccuracy } : {}) },
    ...(evaluation.top5 !== undefined ? { valTop5: { [role]: evaluation.top5 } } : {}),
    ...(evaluation.agreement !== undefined ? { agreement: evaluation.agreement, valKl: evaluation.kl } : {}),
    learningRate: 0,
    seconds,
  });
  context.emit({ type: 'predictions', phase: role, epoch: 1, classNames: data.classNames, samples: predictionSamples(data, role, valLogits, reference, classes) });
  context.record(ensembleRow(role, members.map((m) => m.model), evaluation, test, seconds, options.teacherParams));
  return { role, valLogits, valAccuracy: evaluation.top1, testLogits };
}
