import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArrayDataset, ArrayDatasetFormat } from './array-dataset-types.js';
import { CIFAR_10_FILES, CIFAR_10_SUBFOLDER, readCifar10 } from './cifar-10.js';
import { FASHION_MNIST_FILES, readFashionMnist } from './fashion-mnist.js';

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
