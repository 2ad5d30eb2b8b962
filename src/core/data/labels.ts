// Checks of class labels where the classes come from the data (IDX without class names, CSV): a stray label far
// outside the others would otherwise make a class per number up to it, or an array too large to allocate.
import type { Split } from './types';

/** More classes than any data set this extension trains on; a label beyond it is a mistake, not a class. */
export const MAX_CLASSES = 10_000;

/** `3, 5–9, 12` (at most a few runs, then `…`). */
function ranges(values: number[], names: readonly string[]): string {
  const runs: string[] = [];
  let i = 0;
  while (i < values.length && runs.length < 6) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    runs.push(i === j ? names[values[i]] : `${names[values[i]]}–${names[values[j]]}`);
    i = j + 1;
  }
  return i < values.length ? `${runs.join(', ')}, …` : runs.join(', ');
}

/** Throws when an integer label is negative or not below MAX_CLASSES; `where` names the label (e.g. `row 7`). */
export function checkLabelRange(source: string, label: number, where: string): void {
  if (!(label >= 0 && label < MAX_CLASSES)) {
    throw new Error(`${source}: expected class labels from 0 to ${MAX_CLASSES - 1}, found ${label} at ${where}`);
  }
}

/**
 * Classes that have no training samples. Where the classes come from the labels (`inferred`) and most of them are
 * empty, the labels hold a stray value far outside the others: an error naming it. Otherwise the empty classes are
 * returned as a warning for the run log.
 */
export function checkClassesHaveTrainingSamples(source: string, classNames: readonly string[], train: Split, test: Split | undefined, inferred: boolean): string[] {
  const counts = new Array<number>(classNames.length).fill(0);
  for (let i = 0; i < train.count; i++) counts[train.y[i]]++;
  const empty = counts.flatMap((n, c) => (n === 0 ? [c] : []));
  if (empty.length === 0) return [];
  const observed = classNames.length - empty.length;
  const inTest = test ? new Set(Array.from(test.y.subarray(0, test.count))) : new Set<number>();
  const onlyInTest = empty.filter((c) => inTest.has(c));
  const detail = `no training samples for class${empty.length > 1 ? 'es' : ''} ${ranges(empty, classNames)} (${empty.length} of ${classNames.length})`;
  if (inferred && empty.length > observed) {
    const largest = classNames.length - 1;
    const at = train.y.subarray(0, train.count).indexOf(largest);
    const where = at >= 0 ? `training item ${at}` : 'the test split';
    throw new Error(
      `${source}: expected labels that name the classes, found ${detail}: the label ${classNames[largest]} at ${where} is far outside the ${observed} class${observed === 1 ? '' : 'es'} with samples`,
    );
  }
  const testNote = onlyInTest.length > 0 ? `; ${ranges(onlyInTest, classNames)} only in the test split` : '';
  return [`${source}: ${detail}${testNote}; the model still has an output for each`];
}
