// What a method is, apart from its computation (which is the engine's): its config schema with
// defaults, how the form and the command palette present it, and what a run of it needs.
// TensorFlow-free, so the extension, the webview and the CLI read the same facts as the engine.
import { z } from 'zod';

/** The kinds of model a method can train: image (and tabular) models, and text models (transformers). */
export type ModelKind = 'image' | 'text';

/** The stages of methods trained in more than one (FitNets' hint pre-training, TinyBERT's intermediate layers); absent: the method's last stage. */
export type MethodStage = 'hint' | 'intermediate';

/** A phase that trains the student. */
export interface StudentStage {
  role: string;
  stage?: MethodStage;
  /** Epochs of this stage when they differ from `train.epochs`. */
  epochs?: number;
}

/** How the form shows a parameter. */
export interface ParamHelp {
  label: string;
  /** Short form for the comparison table, e.g. `T`, `α`. */
  symbol?: string;
  help: string;
  /**
   * How the form edits it: a number (default), a list of numbers, a choice among the schema's
   * values, a dataset, one model or several as CLI flags (`mlp:256,256; cnn:16,32`), or folders.
   */
  kind?: 'number' | 'list' | 'boolean' | 'choice' | 'dataset' | 'model' | 'models' | 'folders';
  /** No default: empty means the method decides (shown as "not set"). */
  optional?: boolean;
}

/** The method's own "Distill: …" command; package.json declares the same id and title. */
export interface MethodCommand {
  id: string;
  title: string;
}

export type MethodSchema<N extends string, F extends z.ZodRawShape> = z.ZodObject<{ name: z.ZodLiteral<N> } & F, 'strict'>;

export interface MethodDescriptor<N extends string = string, F extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: N;
  /** The method's part of the experiment config; every default names its source. */
  readonly schema: MethodSchema<N, F>;
  /** The method's name in the form's picker. */
  readonly label: string;
  readonly summary: string;
  /** The paper and the reference code it follows; '—' when it follows none. */
  readonly reference: string;
  readonly command: MethodCommand;
  /** One entry per parameter, in the form's order. */
  readonly params: { readonly [K in keyof F]: ParamHelp };
  readonly modelKinds: readonly ModelKind[];
  /**
   * Whether a run trains, loads or learns from `config.teacher`; it may depend on the parameters
   * (SAD only with KD), which may be unchecked (the form's state while it is edited).
   */
  readonly teacher: boolean | ((method: Readonly<Record<string, unknown>>) => boolean);
  /** Whether a run trains `config.student.model`. */
  readonly student: boolean;
  /** The student's phases when there is more than one; by default one, `student`. */
  stages?(method: z.infer<MethodSchema<N, F>>, trainEpochs: number): StudentStage[];
}

type MethodFacts<N extends string, F extends z.ZodRawShape> = Omit<MethodDescriptor<N, F>, 'schema'> & {
  /** The schema's fields besides `name`. */
  fields: F;
};

/** A descriptor whose schema is `{ name, ...fields }`, strict (an unknown parameter is an error, not ignored). */
export function defineMethod<N extends string, F extends z.ZodRawShape>({ fields, ...facts }: MethodFacts<N, F>): MethodDescriptor<N, F> {
  return { ...facts, schema: z.object({ name: z.literal(facts.name), ...fields }).strict() };
}
