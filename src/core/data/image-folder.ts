import { basename, extname, join } from 'node:path';
import { decodeImage } from './image-decode';
import { resizeInto } from './image-resize';
import { listDir } from './files';
import type { LoadedDataset, Split } from './types';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export interface ImageFolderOptions {
  width: number;
  height: number;
  grayscale: boolean;
}

function classDirs(root: string): string[] {
  const dirs = listDir(root, 'Image folder')
    .filter((entry) => entry.isDir && !entry.name.startsWith('.'))
    .map((entry) => entry.name);
  if (dirs.length === 0) throw new Error(`Image folder ${root}: expected one sub-folder per class, found none`);
  return dirs;
}

function imageFiles(dir: string): string[] {
  const files = listDir(dir, 'Class folder').filter((entry) => !entry.isDir && !entry.name.startsWith('.'));
  const images = files.filter((entry) => IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())).map((entry) => join(dir, entry.name));
  if (images.length === 0) {
    const others = files.length === 0 ? 'an empty folder' : `no images among ${files.length} other file(s)`;
    throw new Error(`Class folder ${dir}: expected .png/.jpg/.jpeg images, found ${others}`);
  }
  return images;
}

function readSplit(root: string, classNames: string[], opts: ImageFolderOptions): Split {
  const entries = classDirs(root).flatMap((dir) => {
    const label = classNames.indexOf(dir);
    if (label < 0) throw new Error(`Image folder ${root}: expected class folders among ${classNames.join(', ')}, found "${dir}"`);
    return imageFiles(join(root, dir)).map((file) => ({ file, label }));
  });
  const size = opts.width * opts.height * (opts.grayscale ? 1 : 3);
  const x = new Float32Array(entries.length * size);
  const y = new Int32Array(entries.length);
  entries.forEach(({ file, label }, i) => {
    resizeInto(decodeImage(file), opts.width, opts.height, opts.grayscale, x, i * size);
    y[i] = label;
  });
  return { x, y, count: entries.length };
}

/** One sub-folder per class (sorted names are the classes); PNG and JPEG images, resized bilinearly. */
export function loadImageFolder(trainDir: string, testDir: string | undefined, opts: ImageFolderOptions): LoadedDataset {
  const classNames = classDirs(trainDir);
  return {
    name: basename(trainDir),
    classNames,
    inputShape: [opts.height, opts.width, opts.grayscale ? 1 : 3],
    train: readSplit(trainDir, classNames, opts),
    test: testDir === undefined ? undefined : readSplit(testDir, classNames, opts),
  };
}
