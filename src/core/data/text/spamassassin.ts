// The built-in text set: data/spamassassin, made by scripts/make-text-dataset.mjs from the SpamAssassin public corpus.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_TEXT_DATASET } from '../../../shared/protocol';
import { dataDirCandidates } from '../builtin';
import { textDataset, type LabelledTexts, type TextDataset } from './load-text';
import { readTextFile } from './read-text-file';

/** Legitimate mail, legitimate mail that looks like spam (newsletters, HTML, offers), spam. */
export const SPAMASSASSIN_CLASSES = ['ham', 'hard ham', 'spam'];

export function findTextDataset(candidates = dataDirCandidates(BUILTIN_TEXT_DATASET)): string {
  const found = candidates.find((dir) => existsSync(join(dir, 'train.jsonl.gz')));
  if (found === undefined) {
    throw new Error(`Built-in dataset ${BUILTIN_TEXT_DATASET} not found: expected train.jsonl.gz in one of ${candidates.join(', ')}; run "npm run make-text-dataset"`);
  }
  return found;
}

function read(file: string): LabelledTexts {
  const records = readTextFile(file, { textField: 'text', labelField: 'label' });
  const y = Int32Array.from(records.labels, (label, i) => {
    const index = SPAMASSASSIN_CLASSES.indexOf(label);
    if (index < 0) throw new Error(`Text file ${file}: expected a label among ${SPAMASSASSIN_CLASSES.join(', ')} at line ${records.lines[i]}, field "label", found "${label}"`);
    return index;
  });
  return { texts: records.texts, y };
}

export function loadSpamAssassin(maxLength: number, dir = findTextDataset()): TextDataset {
  return textDataset(BUILTIN_TEXT_DATASET, SPAMASSASSIN_CLASSES, read(join(dir, 'train.jsonl.gz')), read(join(dir, 'test.jsonl.gz')), maxLength);
}
