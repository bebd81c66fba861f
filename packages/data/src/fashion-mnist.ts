import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArrayDataset, ArraySplit } from './array-dataset-types.js';
import { readIdxFile } from './idx-file.js';

/** Fashion-MNIST class names in label order. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

// The IDX files of each split; each may also carry a `.gz` suffix.
const SPLIT_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  val: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** The four file names without `.gz` (for detection). */
export const FASHION_MNIST_FILES: readonly string[] = Object.values(SPLIT_FILES).flatMap((s) => [s.images, s.labels]);

/** Reads Fashion-MNIST's IDX files from `dir`; the t10k set becomes split `val`. */
export async function readFashionMnist(dir: string): Promise<ArrayDataset> {
  const [train, val] = await Promise.all([readSplit(dir, SPLIT_FILES.train), readSplit(dir, SPLIT_FILES.val)]);
  if (train.height !== val.height || train.width !== val.width) {
    throw new Error(`${dir}: train images are ${train.height}×${train.width} but t10k images are ${val.height}×${val.width}`);
  }
  return { format: 'fashion-mnist', classes: [...FASHION_MNIST_CLASSES], splits: { train, val } };
}

async function readSplit(dir: string, names: { images: string; labels: string }): Promise<ArraySplit> {
  const imagesPath = await findFile(dir, names.images);
  const labelsPath = await findFile(dir, names.labels);
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  const [count, height, width] = images.dims;
  if (images.dims.length !== 3 || count === undefined || height === undefined || width === undefined) {
    throw new Error(`${imagesPath}: expected 3 dims (count×height×width), got ${images.dims.join('×') || 'none'}`);
  }
  if (labels.dims.length !== 1) throw new Error(`${labelsPath}: expected 1 dim (count), got ${labels.dims.join('×') || 'none'}`);
  if (labels.dims[0] !== count) throw new Error(`${labelsPath}: ${labels.dims[0]} labels but ${imagesPath} has ${count} images`);
  const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new Error(`${labelsPath}: label ${labels.data[bad]} at index ${bad} is not a class (0–9)`);
  return { count, height, width, channels: 1, images: images.data, labels: labels.data };
}

/** `<name>.gz` if present, else `<name>`. */
async function findFile(dir: string, name: string): Promise<string> {
  for (const candidate of [`${name}.gz`, name]) {
    const path = join(dir, candidate);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  throw new Error(`Fashion-MNIST file missing: neither ${join(dir, `${name}.gz`)} nor ${join(dir, name)} exists`);
}
