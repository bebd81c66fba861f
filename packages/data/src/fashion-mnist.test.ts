import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { FASHION_MNIST_CLASSES, readFashionMnist } from './fashion-mnist.js';
import { encodeIdx } from './idx-file.js';

let dir: string;
beforeEach(async () => {
  dir = await temporaryFolder('fashion');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Pixel (y, x) of image i is (i·50 + y·3 + x) mod 256, so each position can be checked.
const pixel = (i: number, y: number, x: number) => (i * 50 + y * 3 + x) % 256;
const images = (n: number) => Uint8Array.from({ length: n * 784 }, (_, k) => pixel(Math.floor(k / 784), Math.floor(k / 28) % 28, k % 28));

/** 3 train images (gzipped names) and 2 t10k images (plain names). */
async function writeTiny(labels = { train: [4, 0, 9], val: [7, 2] }, valCount = 2) {
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([3, 28, 28], images(3))));
  await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([3], Uint8Array.from(labels.train))));
  await writeFile(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([valCount, 28, 28], images(valCount)));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([labels.val.length], Uint8Array.from(labels.val)));
}

describe('readFashionMnist', () => {
  it('reads both splits, gzipped or plain, with pixels and labels in place', async () => {
    await writeTiny();
    const ds = await readFashionMnist(dir);
    expect(ds.format).toBe('fashion-mnist');
    expect(ds.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    const { train, val } = ds.splits;
    expect([train.count, train.height, train.width, train.channels]).toEqual([3, 28, 28, 1]);
    expect([val.count, val.images.length]).toEqual([2, 2 * 784]);
    expect(Array.from(train.labels)).toEqual([4, 0, 9]);
    expect(Array.from(val.labels)).toEqual([7, 2]);
    for (const [i, y, x] of [
      [0, 0, 0],
      [1, 5, 17],
      [2, 27, 27],
    ] as const)
      expect(train.images[i * 784 + y * 28 + x]).toBe(pixel(i, y, x));
    expect(val.images[1 * 784 + 27 * 28 + 3]).toBe(pixel(1, 27, 3));
  });

  it('names the file when counts disagree, a label is out of range, or a file is missing', async () => {
    await writeTiny(undefined, 3);
    await expect(readFashionMnist(dir)).rejects.toThrow(
      `${join(dir, 't10k-labels-idx1-ubyte')}: 2 labels but ${join(dir, 't10k-images-idx3-ubyte')} has 3 images`,
    );
    await writeTiny({ train: [4, 10, 9], val: [7, 2] });
    await expect(readFashionMnist(dir)).rejects.toThrow(`${join(dir, 'train-labels-idx1-ubyte.gz')}: label 10 at index 1 is not a class (0–9)`);
    await writeTiny();
    await rm(join(dir, 't10k-images-idx3-ubyte'));
    await expect(readFashionMnist(dir)).rejects.toThrow(`neither ${join(dir, 't10k-images-idx3-ubyte.gz')} nor ${join(dir, 't10k-images-idx3-ubyte')} exists`);
  });

  // CI does not install Debian's dataset-fashion-mnist package; this machine has it.
  const debian = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(debian))('reads the real Fashion-MNIST: 60000 + 10000 images, 6000 per class', async () => {
    const { splits } = await readFashionMnist(debian);
    expect([splits.train.count, splits.val.count]).toEqual([60000, 10000]);
    expect([splits.train.height, splits.train.width]).toEqual([28, 28]);
    const perClass = new Array<number>(FASHION_MNIST_CLASSES.length).fill(0);
    for (const label of splits.train.labels) perClass[label]!++;
    expect(perClass).toEqual(new Array(10).fill(6000));
  });
});
