import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { detectArrayDataset, readArrayDataset } from './array-dataset.js';
import { encodeIdx } from './idx-file.js';

let dir: string;
beforeEach(async () => {
  dir = await temporaryFolder('array-ds');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detectArrayDataset', () => {
  it('tells the formats apart by file names', async () => {
    expect(await detectArrayDataset(dir)).toBeUndefined();
    await mkdir(join(dir, 'cat'));
    expect(await detectArrayDataset(dir)).toBeUndefined();

    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), '');
    expect(await detectArrayDataset(dir)).toBe('fashion-mnist');
    await writeFile(join(dir, 'test_batch.bin'), '');
    await expect(detectArrayDataset(dir)).rejects.toThrow(`${dir} holds both Fashion-MNIST and CIFAR-10 files`);

    await rm(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(await detectArrayDataset(dir)).toBe('cifar-10');
    await rm(join(dir, 'test_batch.bin'));
    await mkdir(join(dir, 'cifar-10-batches-bin'));
    expect(await detectArrayDataset(dir)).toBeUndefined();
    await writeFile(join(dir, 'cifar-10-batches-bin', 'data_batch_1.bin'), '');
    expect(await detectArrayDataset(dir)).toBe('cifar-10');
  });

  it('names a folder it cannot read', async () => {
    await expect(detectArrayDataset(join(dir, 'nope'))).rejects.toThrow(`cannot read dataset folder ${join(dir, 'nope')}`);
  });
});

describe('readArrayDataset', () => {
  it('reads the detected format', async () => {
    // A 1-image, 2×2 Fashion-MNIST-shaped set: the reader takes whatever size the IDX dims give.
    for (const prefix of ['train', 't10k']) {
      await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([1, 2, 2], Uint8Array.from([1, 2, 3, 4])));
      await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([1], Uint8Array.from([3])));
    }
    const format = await detectArrayDataset(dir);
    expect(format).toBe('fashion-mnist');
    const ds = await readArrayDataset(dir, format!);
    expect(ds.classes[3]).toBe('Dress');
    expect(Array.from(ds.splits.val.images)).toEqual([1, 2, 3, 4]);
  });
});
