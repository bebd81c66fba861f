import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CIFAR_10_FILES, CIFAR_10_SUBFOLDER, readCifar10 } from './cifar-10.js';
import { FASHION_MNIST_FILES, readFashionMnist } from './fashion-mnist.js';

/** Images held as one byte array, channels last. */
export interface ArraySplit {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** count×height×width×channels bytes, row-major, channels last. */
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
}

/** A dataset shipped as arrays (not image files), read whole into memory. */
export interface ArrayDataset {
  format: 'fashion-mnist' | 'cifar-10';
  /** Class names in label order. */
  classes: string[];
  splits: { train: ArraySplit; val: ArraySplit };
}

export type ArrayDatasetFormat = ArrayDataset['format'];

/** Which array format `dir` holds, or undefined when it is neither (looks at file names only). */
export async function detectArrayDataset(dir: string): Promise<ArrayDatasetFormat | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new Error(`cannot read dataset folder ${dir}: ${(error as Error).message}`);
  }
  // Any one known name is enough: the reader then names whichever file is missing.
  const fashion = FASHION_MNIST_FILES.some((f) => names.includes(f) || names.includes(`${f}.gz`));
  let cifar = CIFAR_10_FILES.some((f) => names.includes(f));
  if (!cifar && names.includes(CIFAR_10_SUBFOLDER)) {
    const inner = await readdir(join(dir, CIFAR_10_SUBFOLDER)).catch(() => [] as string[]);
    cifar = CIFAR_10_FILES.some((f) => inner.includes(f));
  }
  if (fashion && cifar) throw new Error(`${dir} holds both Fashion-MNIST and CIFAR-10 files; keep one dataset per folder`);
  return fashion ? 'fashion-mnist' : cifar ? 'cifar-10' : undefined;
}

export function readArrayDataset(dir: string, format: ArrayDatasetFormat): Promise<ArrayDataset> {
  switch (format) {
    case 'fashion-mnist':
      return readFashionMnist(dir);
    case 'cifar-10':
      return readCifar10(dir);
  }
}
