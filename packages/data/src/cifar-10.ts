import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '@alexnet/files';
import type { ArrayDataset, ArraySplit } from './array-dataset-types.js';

/** The standard CIFAR-10 class names in label order (used when batches.meta.txt is absent). */
export const CIFAR_10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const VAL_FILE = 'test_batch.bin';
/** The batch file names of the binary version (for detection). */
export const CIFAR_10_FILES: readonly string[] = [...TRAIN_FILES, VAL_FILE];
/** The folder the official archive unpacks to; accepted inside the given dir. */
export const CIFAR_10_SUBFOLDER = 'cifar-10-batches-bin';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const RECORD = 1 + 3 * PIXELS; // label byte, then the R, G and B planes

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Reads CIFAR-10's binary batches from `dir` (or `dir/cifar-10-batches-bin`); test_batch becomes split `val`. */
export async function readCifar10(dir: string): Promise<ArrayDataset> {
  const root = (await exists(join(dir, VAL_FILE))) || !(await exists(join(dir, CIFAR_10_SUBFOLDER))) ? dir : join(dir, CIFAR_10_SUBFOLDER);
  const classes = await readClassNames(join(root, 'batches.meta.txt'));
  const train = await readBatches(
    TRAIN_FILES.map((f) => join(root, f)),
    classes.length,
  );
  const val = await readBatches([join(root, VAL_FILE)], classes.length);
  return { format: 'cifar-10', classes, splits: { train, val } };
}

async function readClassNames(path: string): Promise<string[]> {
  if (!(await exists(path))) return [...CIFAR_10_CLASSES];
  const text = (await readRegularFile(path, { maxBytes: 2 ** 20 })).toString('utf8');
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (names.length === 0) throw new Error(`${path}: no class names`);
  if (names.length > 256) throw new Error(`${path}: ${names.length} class names; a CIFAR batch's one-byte labels allow at most 256`);
  const long = names.find((n) => n.length > 1024);
  if (long !== undefined) throw new Error(`${path}: a class name of ${long.length} characters (at most 1024)`);
  if (new Set(names).size !== names.length) throw new Error(`${path}: class names must be unique`);
  return names;
}

/** A batch file larger than this is refused unread: CIFAR-10's hold exactly 10,000 records. */
const MAX_BATCH_BYTES = 10_000 * RECORD;

/** Concatenates batch files into one split, planar CHW records turned into HWC pixels. */
async function readBatches(paths: string[], classCount: number): Promise<ArraySplit> {
  // Read every file first so the output is allocated once, at its final size.
  const buffers: Uint8Array[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = await readRegularFile(path, { maxBytes: MAX_BATCH_BYTES });
    } catch (error) {
      throw new Error(`cannot read CIFAR-10 batch ${path}: ${(error as Error).message}`);
    }
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new Error(`${path}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte records (truncated or not the binary version)`);
    }
    buffers.push(bytes);
  }
  const count = buffers.reduce((n, b) => n + b.length / RECORD, 0);
  const images = new Uint8Array(count * PIXELS * 3);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const [i, bytes] of buffers.entries()) {
    for (let o = 0; o < bytes.length; o += RECORD, n++) {
      const label = bytes[o]!;
      if (label >= classCount) throw new Error(`${paths[i]}: label ${label} in record ${o / RECORD} is not one of ${classCount} classes`);
      labels[n] = label;
      const out = n * PIXELS * 3;
      for (let p = 0; p < PIXELS; p++) {
        images[out + 3 * p] = bytes[o + 1 + p]!;
        images[out + 3 * p + 1] = bytes[o + 1 + PIXELS + p]!;
        images[out + 3 * p + 2] = bytes[o + 1 + 2 * PIXELS + p]!;
      }
    }
  }
  return { count, height: SIDE, width: SIDE, channels: 3, images, labels };
}
