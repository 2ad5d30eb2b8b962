import type { ModelSummary } from '../../../shared/protocol';
import { describeModel } from '../../models/zoo';
import type { ZooModel } from '../../models/zoo-model';
import type { Evaluation } from '../../train/evaluate';
import { measureLatencyMs } from '../../train/latency';
import type { PhaseResult } from '../../train/loop';

type RowResult = Pick<PhaseResult, 'best' | 'last' | 'test' | 'wallTimeSec'> & Partial<Pick<PhaseResult, 'epochs'>>;

/** A model's summary row: accuracy, size, latency and, for students, compression and agreement. */
export function modelRow(role: string, model: ZooModel, result: RowResult, teacherParams?: number): ModelSummary {
  const params = model.paramCount();
  return {
    role,
    arch: describeModel(model.info.spec),
    params,
    bytes: model.sizeBytes(),
    bestValAccuracy: result.best.top1,
    bestEpoch: result.best.epoch,
    ...(result.epochs !== undefined ? { epochs: result.epochs } : {}),
    lastValAccuracy: result.last.top1,
    ...(result.last.top5 !== undefined ? { lastValTop5: result.last.top5 } : {}),
    testAccuracy: result.test.best.top1,
    testAccuracyLast: result.test.last.top1,
    latencyMs: measureLatencyMs(model),
    wallTimeSec: result.wallTimeSec,
    ...(teacherParams ? { compression: teacherParams / params } : {}),
    ...(result.last.agreement !== undefined ? { agreement: result.last.agreement } : {}),
  };
}

/** The row of a model evaluated, not trained, here (epoch 0), on validation and on test. */
export function evaluatedRow(role: string, model: ZooModel, evaluation: Evaluation, test: Evaluation, teacherParams?: number): ModelSummary {
  return modelRow(role, model, { best: { ...evaluation, epoch: 0 }, last: evaluation, test: { best: test, last: test }, wallTimeSec: 0 }, teacherParams);
}

/** An ensemble's row: its members' sizes and latencies summed (they run one after another). */
export function ensembleRow(role: string, models: ZooModel[], evaluation: Evaluation, test: Evaluation, wallTimeSec: number, teacherParams?: number): ModelSummary {
  const rows = models.map((m) => evaluatedRow(role, m, evaluation, test));
  const params = rows.reduce((sum, r) => sum + r.params, 0);
  return {
    ...rows[0],
    arch: `ensemble of ${rows.map((r) => r.arch).join(' + ')}`,
    params,
    bytes: rows.reduce((sum, r) => sum + r.bytes, 0),
    latencyMs: rows.reduce((sum, r) => sum + r.latencyMs, 0),
    wallTimeSec,
    ...(teacherParams ? { compression: teacherParams / params } : {}),
  };
}
