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
import type { MethodDescriptor, StudentStage } from './method';
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

/** The phases that train the student: one, or a pre-training stage first (FitNets two-stage, TinyBERT). */
export function studentStages(method: MethodConfig, trainEpochs: number): StudentStage[] {
  return methodNamed(method.name)!.stages?.(method, trainEpochs) ?? [{ role: 'student' }];
}
