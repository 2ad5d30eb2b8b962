// Train / validation / test of a text set: the same stratified hold-outs as every data set (split.ts), carrying each
// sample's message along, then the vocabulary narrowed to the training split that is left.
import { prepareSplits, subsetSplit, type SplitOptions, type Splits } from '../split';
import type { Split, TextInfo } from '../types';
import type { TextDataset } from './load-text';
import { CLS, PAD, SEP, UNK, compactVocabulary, remapIds } from './vocabulary';

export interface TextSplits extends Splits {
  text: TextInfo & { texts: { train: string[]; validation: string[]; test: string[] } };
}

const rowNumbers = (split: Split): Split => ({ x: Float32Array.from({ length: split.count }, (_, i) => i), y: split.y, count: split.count });

/**
 * The splits prepareSplits draws (they depend on the labels and data.splitSeed only, never on the run's seed), found by
 * splitting the row numbers, so each sample keeps its message. The vocabulary is then the ids of the final training
 * split — after the validation hold-out and limitTrain — so validation ids, like test ids, outside it read as UNK; with
 * `minTokenCount`, so do the ids training holds fewer times than that.
 */
export function prepareTextSplits(ds: TextDataset, opts: SplitOptions, minTokenCount = 1): TextSplits {
  const rows = prepareSplits({ ...ds, inputShape: [1], train: rowNumbers(ds.train), test: ds.test && rowNumbers(ds.test) }, opts);
  const size = ds.text.maxLength;
  const pick = (from: Split, texts: string[], chosen: Split) => ({ split: subsetSplit(from, chosen.x, size), texts: Array.from(chosen.x, (row) => texts[row]) });
  const train = pick(ds.train, ds.text.texts.train, rows.train);
  const validation = pick(ds.train, ds.text.texts.train, rows.validation);
  const test = ds.test ? pick(ds.test, ds.text.texts.test ?? [], rows.test) : pick(ds.train, ds.text.texts.train, rows.test);
  const vocabulary = compactVocabulary(train.split.x, ds.text.tokens, [PAD, UNK, CLS, SEP], minTokenCount);
  const remapped = (split: Split): Split => ({ ...split, x: remapIds(split.x, vocabulary.map) });
  return {
    train: remapped(train.split),
    validation: remapped(validation.split),
    test: remapped(test.split),
    text: { vocabSize: vocabulary.tokens.length, tokens: vocabulary.tokens, maxLength: size, texts: { train: train.texts, validation: validation.texts, test: test.texts } },
  };
}
