// Every method, once: the config schema, the form, the commands, the CLI and the engine's
// registry all derive from this array. Adding a method starts with adding its descriptor here.
import { z } from 'zod';
import { at } from './at';
import { bornAgain } from './born-again';
import { crd } from './crd';
import { distilbert } from './distilbert';
import { dkd } from './dkd';
import { dml } from './dml';
import { fitnet } from './fitnet';
import { kd } from './kd';
import { minilm } from './minilm';
import type { MethodDescriptor, ModelKind, StudentStage } from './method';
import { multiTeacher } from './multi-teacher';
import { pkd } from './pkd';
import { sad } from './sad';
import { scratch } from './scratch';
import { srrl } from './srrl';
import { teacher } from './teacher';
import { tinybert } from './tinybert';
import { unlabeled } from './unlabeled';

export type { MethodCommand, MethodDescriptor, MethodStage, ModelKind, ParamHelp, StudentStage } from './method';
export { LayerStrategy } from './pkd';
export { SadMapFunction } from './sad';

/** In the order the form and the CLI list them. */
export const METHODS = [teacher, scratch, kd, unlabeled, multiTeacher, bornAgain, dml, fitnet, pkd, tinybert, distilbert, minilm, at, sad, crd, srrl, dkd] as const;

type Schemas<T extends readonly { schema: unknown }[]> = { -readonly [K in keyof T]: T[K]['schema'] };

export const MethodConfig = z.discriminatedUnion('name', METHODS.map((m) => m.schema) as Schemas<typeof METHODS>);
export type MethodConfig = z.infer<typeof MethodConfig>;
export type MethodName = MethodConfig['name'];
/** The config of one method, by name. */
export type MethodOf<N extends MethodName> = Extract<MethodConfig, { name: N }>;

/** Every descriptor, for code that handles any method (the form, the commands, the tests). */
export const METHOD_LIST: readonly MethodDescriptor[] = METHODS;

const byName = new Map(METHOD_LIST.map((m) => [m.name, m]));

/** The descriptor of a method name, or undefined for a name no method has (input from outside). */
export function methodNamed(name: string): MethodDescriptor | undefined {
  return byName.get(name);
}

/**
 * Whether a run of this method trains, loads or learns from `config.teacher`. The method's
 * parameters may be incomplete (the form's state while it is edited).
 */
export function usesTeacher(method: { name: string } & Readonly<Record<string, unknown>>): boolean {
  const teacher = methodNamed(method.name)?.teacher ?? true;
  return typeof teacher === 'function' ? teacher(method) : teacher;
}

/** Whether a run of this method trains `config.student.model`. */
export function usesStudent(method: { name: string }): boolean {
  return methodNamed(method.name)?.student ?? true;
}

/** The methods that train text models (transformers), named where an image-only method is refused. */
export const TEXT_METHODS_HINT = 'DistilBERT (distilbert), PKD (pkd), TinyBERT (tinybert), MiniLM (minilm), KD (kd), unlabeled transfer, multi-teacher, born-again, DML, CRD, SRRL or DKD';

/** Methods that read image feature maps (spatial attention maps, convolutional regressors): they cannot train transformers. */
const IMAGE_ONLY = new Set(['at', 'sad', 'fitnet']);

/**
 * Why a method cannot train models of this kind, or undefined when it can: AT, SAD and FitNets
 * refuse text models (naming the methods that take them), text-only methods (MiniLM) image models.
 * For the config check, the form and the CLI alike.
 */
export function modelKindProblem(methodName: string, kind: ModelKind): string | undefined {
  const method = methodNamed(methodName);
  if (!method) return undefined;
  if (kind === 'text' && IMAGE_ONLY.has(method.name)) {
    return `method "${method.name}" (${method.label}) works on image feature maps and cannot train or read a transformer; for text models use ${TEXT_METHODS_HINT}`;
  }
  if (kind === 'image' && !method.modelKinds.includes('image')) {
    return `method "${method.name}" (${method.label}) distils transformers' self-attention and needs text models (arch transformer on a text data set)`;
  }
  return undefined;
}

/** The phases that train the student: one, or a pre-training stage first (FitNets two-stage, TinyBERT). */
export function studentStages(method: MethodConfig, trainEpochs: number): StudentStage[] {
  return methodNamed(method.name)!.stages?.(method, trainEpochs) ?? [{ role: 'student' }];
}
