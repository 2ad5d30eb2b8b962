/** A data set as loaded from disk: raw inputs in [0,1] (images) or as given (tabular), labels as class indices. */
export interface Split {
  /** count × prod(inputShape) values, row-major; images are HWC. */
  x: Float32Array;
  /** count labels in [0, numClasses). */
  y: Int32Array;
  count: number;
}

export interface LoadedDataset {
  name: string;
  classNames: string[];
  /** [H, W, C] for images, [features] for tabular data. */
  inputShape: number[];
  train: Split;
  /** Present when the source has its own test split; otherwise validation is carved from train. */
  test?: Split;
  /**
   * Present for text data: `Split.x` then holds token ids (as floats), count × maxLength, each row
   * [CLS] … [SEP] then PAD = 0, ids remapped to a compact vocabulary seen in the training split
   * (PAD 0, UNK, CLS, SEP included); the model derives its padding mask as id ≠ 0.
   */
  text?: TextInfo;
  /** Things about the data worth a line in the run log that do not stop a run (e.g. a class with no training samples). */
  warnings?: string[];
}

export interface TextInfo {
  /** Rows of the embedding table: every id in the splits is below it. */
  vocabSize: number;
  /** Remapped id → its WordPiece string (e.g. "[CLS]", "dog", "##s"), for labels in the attention view. */
  tokens: string[];
  /** The messages as plain text, index-aligned with the splits' rows, for the predictions view. */
  texts: { train: string[]; test?: string[]; /** After prepareData: the validation hold-out's messages. */ validation?: string[] };
  /** Tokens a row holds, [CLS] and [SEP] included; longer texts are truncated. */
  maxLength: number;
}
