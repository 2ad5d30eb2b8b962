import type { RgbaImage } from './image-decode';

/**
 * Bilinear resize with half-pixel centres (as tf.image.resizeBilinear with halfPixelCenters), then
 * RGB or BT.601 luma in [0, 1], written HWC into `out` at `offset`. Alpha is ignored.
 */
export function resizeInto(image: RgbaImage, width: number, height: number, grayscale: boolean, out: Float32Array, offset: number): void {
  const { data, width: w, height: h } = image;
  const channels = grayscale ? 1 : 3;
  const sx = w / width;
  const sy = h / height;
  for (let oy = 0; oy < height; oy++) {
    const fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let ox = 0; ox < width; ox++) {
      const fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      const rgb = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const top = data[(y0 * w + x0) * 4 + c] * (1 - wx) + data[(y0 * w + x1) * 4 + c] * wx;
        const bottom = data[(y1 * w + x0) * 4 + c] * (1 - wx) + data[(y1 * w + x1) * 4 + c] * wx;
        rgb[c] = (top * (1 - wy) + bottom * wy) / 255;
      }
      const o = offset + (oy * width + ox) * channels;
      if (grayscale) out[o] = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
      else for (let c = 0; c < 3; c++) out[o + c] = rgb[c];
    }
  }
}
