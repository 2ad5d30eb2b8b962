// Text data sets as the engine reads them: token rows of a compact vocabulary, labels, and the messages themselves.
import { basename } from 'node:path';
import { classesFor } from '../csv';
import { checkClassesHaveTrainingSamples, checkLabelRange } from '../labels';
import type { LoadedDataset, Split, TextInfo } from '../types';
import { encodeRows } from './encode';
import { readTextFile, type TextFields, type TextRecords } from './read-text-file';
import { BERT_SPECIALS, compactVocabulary, remapIds } from './vocabulary';
import { BERT_CLS, BERT_PAD, BERT_SEP, bertUncased } from './wordpiece';

export type TextDataset = LoadedDataset & { text: TextInfo };

export interface LabelledTexts {
  texts: string[];
  y: Int32Array;
}

/**
 * Tokenises and encodes the splits. The vocabulary is the ids seen in `train` within `maxLength` (plus PAD, UNK, CLS,
 * SEP); test ids outside it become UNK. prepareData narrows it again to the training split left after the validation
 * hold-out, so that validation, like test, holds only what training saw.
 */
export function textDataset(name: string, classNames: string[], train: LabelledTexts, test: LabelledTexts | undefined, maxLength: number, warnings: string[] = []): TextDataset {
  const wordPiece = bertUncased();
  const encode = (texts: string[]) => encodeRows(texts.map((text) => wordPiece.encode(text, maxLength - 2)), maxLength, { pad: BERT_PAD, cls: BERT_CLS, sep: BERT_SEP });
  const trainIds = encode(train.texts);
  const vocabulary = compactVocabulary(trainIds, wordPiece.vocab, BERT_SPECIALS);
  const split = (x: Float32Array, data: LabelledTexts): Split => ({ x: remapIds(x, vocabulary.map), y: data.y, count: data.texts.length });
  return {
    name,
    classNames,
    inputShape: [maxLength],
    train: split(trainIds, train),
    test: test && split(encode(test.texts), test),
    text: { vocabSize: vocabulary.tokens.length, tokens: vocabulary.tokens, texts: { train: train.texts, ...(test ? { test: test.texts } : {}) }, maxLength },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export interface TextFileSpec extends TextFields {
  train: string;
  test?: string;
  maxLength: number;
}

/** The user's labelled text (CSV, TSV or JSON Lines): integer labels are class indices, other labels names in sorted order. */
export function loadTextFiles(spec: TextFileSpec): TextDataset {
  const train = readTextFile(spec.train, spec);
  const test = spec.test === undefined ? undefined : readTextFile(spec.test, spec);
  const files = test ? [train, test] : [train];
  if (files.every((f) => f.labels.every((l) => /^\d+$/.test(l)))) {
    for (const f of files) f.labels.forEach((l, i) => checkLabelRange(`Text file ${f.file}`, Number(l), `line ${f.lines[i]}, field "${spec.labelField}"`));
  }
  const { classNames, indexOf } = classesFor(files.flatMap((f) => f.labels));
  const labelled = (f: TextRecords): LabelledTexts => ({ texts: f.texts, y: Int32Array.from(f.labels, indexOf) });
  const trainData = labelled(train);
  const testData = test && labelled(test);
  const asSplit = (d: LabelledTexts): Split => ({ x: new Float32Array(0), y: d.y, count: d.texts.length });
  const warnings = checkClassesHaveTrainingSamples(`Text file ${spec.train}`, classNames, asSplit(trainData), testData && asSplit(testData), true);
  return textDataset(basename(spec.train).replace(/(\.[^.]+)?(\.gz)?$/i, ''), classNames, trainData, testData, spec.maxLength, warnings);
}
