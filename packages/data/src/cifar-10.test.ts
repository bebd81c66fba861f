import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { CIFAR_10_CLASSES, readCifar10 } from './cifar-10.js';

let dir: string;
beforeEach(async () => {
  dir = await temporaryFolder('cifar');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Record `id`: red plane = x, green plane = y, blue plane = 100 + id, so HWC position and channel can be checked.
function record(label: number, id: number): Uint8Array {
  const r = new Uint8Array(3073);
  r[0] = label;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      r[1 + y * 32 + x] = x;
      r[1 + 1024 + y * 32 + x] = y;
      r[1 + 2048 + y * 32 + x] = 100 + id;
    }
  }
  return r;
}

/** One record in each data batch (label = batch − 1), two in test_batch. */
async function writeTiny(folder: string) {
  await mkdir(folder, { recursive: true });
  for (let b = 1; b <= 5; b++) await writeFile(join(folder, `data_batch_${b}.bin`), record(b - 1, b - 1));
  await writeFile(join(folder, 'test_batch.bin'), Buffer.concat([record(9, 10), record(0, 11)]));
}

describe('readCifar10', () => {
  it('turns planar CHW records into HWC pixels, batches in order', async () => {
    await writeTiny(dir);
    const ds = await readCifar10(dir);
    expect(ds.format).toBe('cifar-10');
    expect(ds.classes).toEqual([...CIFAR_10_CLASSES]);
    const { train, val } = ds.splits;
    expect([train.count, train.height, train.width, train.channels, train.images.length]).toEqual([5, 32, 32, 3, 5 * 3072]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(val.labels)).toEqual([9, 0]);
    const rgb = (images: Uint8Array, n: number, y: number, x: number) =>
      Array.from(images.subarray(n * 3072 + (y * 32 + x) * 3, n * 3072 + (y * 32 + x) * 3 + 3));
    expect(rgb(train.images, 0, 0, 0)).toEqual([0, 0, 100]);
    expect(rgb(train.images, 2, 5, 7)).toEqual([7, 5, 102]);
    expect(rgb(train.images, 4, 31, 31)).toEqual([31, 31, 104]);
    expect(rgb(val.images, 1, 12, 30)).toEqual([30, 12, 111]);
  });

  it('takes class names from batches.meta.txt, blank lines ignored', async () => {
    await writeTiny(dir);
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    await writeFile(join(dir, 'batches.meta.txt'), `${names.join('\n')}\n\n\n`);
    expect((await readCifar10(dir)).classes).toEqual(names);
    await writeFile(join(dir, 'batches.meta.txt'), 'a\nb\n');
    await expect(readCifar10(dir)).rejects.toThrow(`${join(dir, 'data_batch_3.bin')}: label 2 in record 0 is not one of 2 classes`);
  });

  it('reads the files from a cifar-10-batches-bin subfolder', async () => {
    await writeTiny(join(dir, 'cifar-10-batches-bin'));
    expect((await readCifar10(dir)).splits.val.count).toBe(2);
  });

  it('names a file whose length is not a multiple of 3073, or that is missing', async () => {
    await writeTiny(dir);
    await writeFile(join(dir, 'data_batch_3.bin'), new Uint8Array(3074));
    await expect(readCifar10(dir)).rejects.toThrow(`${join(dir, 'data_batch_3.bin')}: 3074 bytes is not a whole number of 3073-byte records`);
    await rm(join(dir, 'data_batch_3.bin'));
    await expect(readCifar10(dir)).rejects.toThrow(`cannot read CIFAR-10 batch ${join(dir, 'data_batch_3.bin')}`);
  });
});
