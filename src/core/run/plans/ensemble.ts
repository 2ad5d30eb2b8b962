import type { EnsembleAggregate } from '../../../shared/methods/multi-teacher';
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

/**
 * The (weighted) mean of the members' logits, [count × classes]: TextBrewer's `mean_l_T`, whose
 * softmax is the ensemble's prediction. Weights default to equal.
 */
export function meanLogits(memberLogits: Float32Array[], weights?: number[]): Float32Array {
  const w = weights ?? memberLogits.map(() => 1);
  const sum = w.reduce((a, b) => a + b, 0);
  const mean = new Float64Array(memberLogits[0].length);
  memberLogits.forEach((logits, k) => logits.forEach((z, i) => (mean[i] += (z * w[k]) / sum)));
  return Float32Array.from(mean);
}

/** The ensemble's logits: the mean logits or the log of the mean probability, as `aggregate` says. */
export function ensembleLogits(memberLogits: Float32Array[], classes: number, aggregate: EnsembleAggregate, weights?: number[]): Float32Array {
  return aggregate === 'logits' ? meanLogits(memberLogits, weights) : meanProbabilityLogits(memberLogits, classes, weights);
}

export interface EnsembleMember {
  model: ZooModel;
  valLogits: Float32Array;
  testLogits: Float32Array;
}

/**
 * Evaluates an ensemble (by default the mean of probabilities; `aggregate: 'logits'` the mean of
 * logits) on validation and test as its own role: one epoch event, its predictions and its
 * summary row. It trains nothing and has no checkpoint of its own.
 */
export function evaluateEnsemble(
  context: PlanContext,
  role: string,
  members: EnsembleMember[],
  options: { weights?: number[]; aggregate?: EnsembleAggregate; reference?: PhaseReference; teacherParams?: number } = {},
): PhaseReference {
  const started = Date.now();
  const { data } = context;
  const classes = data.classNames.length;
  const { reference } = options;
  const aggregate = options.aggregate ?? 'probabilities';
  const combine = (split: 'valLogits' | 'testLogits') =>
    ensembleLogits(
      members.map((m) => m[split]),
      classes,
      aggregate,
      options.weights,
    );
  const valLogits = combine('valLogits');
  const evaluation = evaluateLogits(valLogits, data.validation.y, classes, reference?.valLogits);
  const testLogits = combine('testLogits');
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
  context.record(
    ensembleRow(
      role,
      members.map((m) => m.model),
      evaluation,
      test,
      seconds,
      options.teacherParams,
    ),
  );
  context.keepValidationLogits(role, valLogits);
  return { role, valLogits, valAccuracy: evaluation.top1, testLogits };
}
