// The prediction samples of a run, merged across phases: every phase predicts the same fixed
// validation samples, so the teacher's, the student's and the baseline's logits sit side by side.
import type { PredictionSample } from '../src/shared/protocol';
import type { RunState } from './run-state';
import { argmax } from './softmax';

export interface MergedSample {
  index: number;
  label: number;
  image?: PredictionSample['image'];
  /** Text data: the message's start (plain text) and its tokens. */
  text?: string;
  tokens?: string[];
  /** Logits by model role. */
  logits: Record<string, number[]>;
}

export interface MergedPredictions {
  classNames: string[];
  /** Roles in training order (teacher first). */
  roles: string[];
  samples: MergedSample[];
}

export function mergePredictions(run: RunState): MergedPredictions | undefined {
  const events = run.phases.flatMap((phase) => {
    const event = run.predictions.get(phase);
    return event ? [event] : [];
  });
  if (events.length === 0) return undefined;
  const samples = new Map<number, MergedSample>();
  const roles: string[] = [];
  for (const event of events) {
    for (const sample of event.samples) {
      // The input sent once per run, or (runs written before that) the event's own copy.
      const input = run.inputs.get(sample.index);
      const merged = samples.get(sample.index) ?? { index: sample.index, label: sample.label, image: sample.image ?? input?.image, text: input?.text, tokens: input?.tokens, logits: {} };
      // The later phase's copy of a role wins: it is the newer reference.
      Object.assign(merged.logits, sample.logits);
      for (const role of Object.keys(sample.logits)) if (!roles.includes(role)) roles.push(role);
      samples.set(sample.index, merged);
    }
  }
  roles.sort((a, b) => Number(b === 'teacher') - Number(a === 'teacher'));
  return { classNames: events[events.length - 1].classNames, roles, samples: [...samples.values()] };
}

/** The student that is compared with the teacher: the distilled one, else the last other role. */
export function mainStudent(roles: readonly string[]): string | undefined {
  return roles.includes('student') ? 'student' : roles.filter((r) => r !== 'teacher').at(-1);
}

/** Teacher and main student predict different classes (the argmax does not depend on T). */
export function disagrees(sample: MergedSample, roles: readonly string[]): boolean {
  const student = mainStudent(roles);
  const teacher = sample.logits.teacher;
  const studentLogits = student ? sample.logits[student] : undefined;
  return Boolean(teacher && studentLogits && argmax(teacher) !== argmax(studentLogits));
}
