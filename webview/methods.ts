// The form's view of the methods: their descriptors (src/shared/methods/), with each parameter's
// help as a list in the form's order. Defaults are read from the schema (schema-defaults.ts).
import { METHOD_LIST, methodNamed, usesStudent, usesTeacher, type MethodDescriptor, type ParamHelp } from '../src/shared/methods';

export interface FormParam extends ParamHelp {
  key: string;
}

export interface FormMethod {
  name: string;
  label: string;
  summary: string;
  reference: string;
  params: FormParam[];
}

function formMethod(descriptor: MethodDescriptor): FormMethod {
  const params = Object.entries(descriptor.params).map(([key, help]) => ({ key, ...help }));
  return { name: descriptor.name, label: descriptor.label, summary: descriptor.summary, reference: descriptor.reference, params };
}

const FORM_METHODS: FormMethod[] = METHOD_LIST.map(formMethod);

export function methodDescriptors(): FormMethod[] {
  return FORM_METHODS;
}

export function methodDescriptor(name: string): FormMethod | undefined {
  return FORM_METHODS.find((m) => m.name === name);
}

/** Whether the method uses the teacher / student sections, given its current (possibly incomplete) parameters. */
export function methodUses(name: string, method: unknown): { teacher: boolean; student: boolean } {
  if (!methodNamed(name)) return { teacher: true, student: true };
  const current = { ...((method ?? {}) as Record<string, unknown>), name };
  return { teacher: usesTeacher(current), student: usesStudent(current) };
}
