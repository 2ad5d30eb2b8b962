import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { readBytes } from './files';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major. */
  data: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** Decodes a PNG or JPEG (chosen by magic bytes, not extension) to 8-bit RGBA. */
export function decodeImage(file: string): RgbaImage {
  const bytes = readBytes(file, 'Image');
  const isPng = startsWith(bytes, PNG_MAGIC);
  const isJpeg = startsWith(bytes, [0xff, 0xd8, 0xff]);
  if (!isPng && !isJpeg) {
    const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`Image ${file}: expected a PNG or JPEG file, found ${bytes.length === 0 ? 'an empty file' : `bytes ${head}`}`);
  }
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
    return { width: jpeg.width, height: jpeg.height, data: jpeg.data };
  } catch (error) {
    throw new Error(`Image ${file}: expected a readable ${isPng ? 'PNG' : 'JPEG'}, found corrupt or truncated data (${(error as Error).message})`);
  }
}
