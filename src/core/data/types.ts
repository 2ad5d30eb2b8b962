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
  /** Things about the data worth a line in the run log that do not stop a run (e.g. a class with no training samples). */
  warnings?: string[];
}
