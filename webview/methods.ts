// The form's table of methods: one entry per method of MethodConfig, with each parameter's
// label, one-line explanation and the reference it follows. Defaults are not repeated here:
// the form reads them from the schema (schema-defaults.ts). Adding a method is one entry.
import type { MethodConfig, MethodName } from '../src/protocol';

type ParamKey<N extends MethodName> = Exclude<keyof Extract<MethodConfig, { name: N }>, 'name'> & string;

export interface ParamDescriptor<K extends string = string> {
  key: K;
  label: string;
  /** Short form for the comparison table, e.g. `T`, `α`. */
  symbol?: string;
  help: string;
  /** How the form edits it; numbers by default. */
  kind?: 'number' | 'list' | 'boolean' | 'dataset';
}

export interface MethodDescriptor<N extends MethodName = MethodName> {
  name: N;
  label: string;
  summary: string;
  reference: string;
  /** The models the method trains or reads; the other sections of the form are greyed out. */
  uses: { teacher: boolean; student: boolean };
  params: ParamDescriptor<ParamKey<N>>[];
}

const temperature = {
  key: 'temperature',
  label: 'Temperature T',
  symbol: 'T',
  help: 'Softens both distributions: p = softmax(z/T); the KL term is scaled by T² to keep gradient sizes.',
} as const;

export const METHODS: { [N in MethodName]?: MethodDescriptor<N> } = {
  teacher: {
    name: 'teacher',
    label: 'Train the teacher',
    summary: 'The teacher alone, with cross-entropy on the labels.',
    reference: '—',
    uses: { teacher: true, student: false },
    params: [],
  },
  scratch: {
    name: 'scratch',
    label: 'Student from scratch',
    summary: 'The student alone, with cross-entropy: the baseline every method is compared with.',
    reference: '—',
    uses: { teacher: false, student: true },
    params: [],
  },
  kd: {
    name: 'kd',
    label: 'Knowledge distillation (Hinton)',
    summary: 'Loss (1−α)·CE + α·T²·KL(p_teacher ‖ p_student) at temperature T.',
    reference: 'Hinton et al. 2015, “Distilling the Knowledge in a Neural Network”; RepDistiller distiller_zoo/KD.py',
    uses: { teacher: true, student: true },
    params: [temperature, { key: 'alpha', label: 'Weight α of the soft targets', symbol: 'α', help: 'Share of the KL term; 1 − α goes to cross-entropy with the labels.' }],
  },
  unlabeled: {
    name: 'unlabeled',
    label: 'Unlabeled transfer',
    summary: 'Soft targets only (T²·KL), on a transfer set whose labels are never read; another domain is allowed.',
    reference: 'Hinton et al. 2015 §2 (transfer set); cross-domain transfer without labels',
    uses: { teacher: true, student: true },
    params: [temperature, { key: 'transfer', label: 'Transfer set', help: 'Images the student learns from; by default the training images with their labels withheld.', kind: 'dataset' }],
  },
};

export function methodDescriptors(): MethodDescriptor[] {
  return Object.values(METHODS) as MethodDescriptor[];
}

export function methodDescriptor(name: string): MethodDescriptor | undefined {
  return (METHODS as Record<string, MethodDescriptor | undefined>)[name];
}
