import { createRng } from './rng';

export interface AugmentOptions {
  /** Random crop back to the input size after zero-padding this many pixels on every side (0: none). */
  cropPadding: number;
  /** Mirror left–right with probability ½. */
  horizontalFlip: boolean;
  /**
   * The value of a padded pixel per channel. RepDistiller pads raw pixels with 0 before
   * normalising, so on normalised inputs the padding is (0 − mean) / std of each channel.
   */
  padValue: number[];
}

/**
 * Augments a batch of [n, H, W, C] images in place, as torchvision's RandomCrop(size, padding)
 * followed by RandomHorizontalFlip: each sample's top-left corner is drawn uniformly from
 * [0, 2·padding]² of the padded image, then it is mirrored with probability ½.
 */
export function augmentImages(x: Float32Array, n: number, inputShape: number[], options: AugmentOptions, seed: number): void {
  if (inputShape.length !== 3) throw new Error(`train.augment: expected images of [height, width, channels], got inputs of [${inputShape.join(', ')}]`);
  const [height, width, channels] = inputShape;
  const size = height * width * channels;
  const pad = options.cropPadding;
  const rng = createRng(seed);
  const source = new Float32Array(size);
  for (let s = 0; s < n; s++) {
    const sample = x.subarray(s * size, (s + 1) * size);
    source.set(sample);
    const top = pad > 0 ? Math.floor(rng() * (2 * pad + 1)) - pad : 0;
    const left = pad > 0 ? Math.floor(rng() * (2 * pad + 1)) - pad : 0;
    const flip = options.horizontalFlip && rng() < 0.5;
    for (let row = 0; row < height; row++) {
      const fromRow = row + top;
      for (let col = 0; col < width; col++) {
        const fromCol = (flip ? width - 1 - col : col) + left;
        const inside = fromRow >= 0 && fromRow < height && fromCol >= 0 && fromCol < width;
        for (let c = 0; c < channels; c++) {
          sample[(row * width + col) * channels + c] = inside ? source[(fromRow * width + fromCol) * channels + c] : options.padValue[c];
        }
      }
    }
  }
}
