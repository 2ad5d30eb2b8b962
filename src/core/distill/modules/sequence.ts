import { modelKindProblem } from '../../../shared/methods';
import { ConfigError, type MethodName } from '../../../shared/protocol';
import type { ForwardResult, SequenceTaps } from '../../models/zoo-model';
import type { ZooModel } from '../../models/zoo-model';
import { fieldOf } from './taps';

export const isTransformer = (model: ZooModel): boolean => model.info.spec.arch === 'transformer';

/**
 * Whether a method works on token-level taps: true when student and teacher are transformers,
 * false when neither is, and a config error naming the odd one out otherwise.
 */
export function bothTransformers(method: MethodName, student: ZooModel, teacher: ZooModel): boolean {
  const s = isTransformer(student);
  const t = isTransformer(teacher);
  if (s === t) return s;
  const [text, other] = s ? [student, teacher] : [teacher, student];
  throw new ConfigError([
    `${fieldOf(other)}: method "${method}" on text compares the transformers' layers, so both models must be transformers; ${fieldOf(text)} is one, ${fieldOf(other)} is ${other.info.spec.arch}`,
  ]);
}

/** Refuses a transformer for a method that reads image feature maps, naming the methods that train text models. */
export function refuseTransformers(method: MethodName, models: (ZooModel | undefined)[]): void {
  const text = models.find((m) => m && isTransformer(m));
  const problem = text && modelKindProblem(method, 'text');
  if (text && problem) throw new ConfigError([`${fieldOf(text)}: ${problem}`]);
}

/** The token-level taps of a transformer's forward pass. */
export function sequenceOf(result: ForwardResult, model: ZooModel): SequenceTaps {
  if (!result.sequence) throw new Error(`${fieldOf(model)}: a ${model.info.spec.arch} model has no token-level taps (a transformer has)`);
  return result.sequence;
}
