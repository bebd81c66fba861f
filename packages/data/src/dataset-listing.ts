import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '@alexnet/files';
import { detectArrayDataset, readArrayDataset } from './array-dataset.js';
import type { ArraySplit } from './array-dataset-types.js';
import { readClassFolders, type LabelledFile } from './class-folders.js';
import { heldOutSplit } from './held-out-split.js';
import { findIlsvrcRoot, readIlsvrc } from './ilsvrc-layout.js';
import type { DecodeInput } from './resize-crop.js';

/** The layouts `prepare` reads. */
export const DATASET_FORMATS = ['class-folders', 'split-folders', 'ilsvrc', 'fashion-mnist', 'cifar-10'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** One input image: where it is, its label, and how to get its bytes. */
export interface ImageSource {
  /** A path, or `<dataset>:<split>#<index>` for array datasets. */
  source: string;
  label: number;
  load(): Promise<DecodeInput>;
}

export interface DatasetListing {
  format: DatasetFormat;
  classes: string[];
  classNames?: string[];
  splits: { train: ImageSource[]; val: ImageSource[] };
  /** True when val was held out of the training images (`valFraction`), false when the tree has its own. */
  heldOut: boolean;
  /** Inputs refused while listing (e.g. val images without a label). */
  rejected: Array<{ file: string; reason: string }>;
}

export interface ListOptions {
  /** Detected when not given. */
  format?: DatasetFormat;
  /** For trees without their own val split. Default 0.1. */
  valFraction?: number;
  seed?: number;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Picks the layout of `src` from what is on disk. */
export async function detectDatasetFormat(src: string): Promise<DatasetFormat> {
  if (!(await isDir(src))) throw new Error(`${src}: no such folder`);
  const arrays = await detectArrayDataset(src);
  if (arrays) return arrays;
  if (await findIlsvrcRoot(src)) return 'ilsvrc';
  if ((await isDir(join(src, 'train'))) && (await isDir(join(src, 'val')))) return 'split-folders';
  return 'class-folders';
}

/** An image file larger than this is rejected unread (sharp's pixel limit guards what it decodes to). */
const MAX_IMAGE_BYTES = 256 * 2 ** 20;

// Files are read by us, not by sharp, so an unreadable or empty file gets its own reason; only
// regular files (links followed: image trees may link their images) of a bounded size.
function fileSources(items: LabelledFile[]): ImageSource[] {
  return items.map(({ file, label }) => ({ source: file, label, load: () => readRegularFile(file, { maxBytes: MAX_IMAGE_BYTES, followLinks: true }) }));
}

function arraySources(name: string, split: string, data: ArraySplit): ImageSource[] {
  const pixels = data.height * data.width * data.channels;
  return Array.from({ length: data.count }, (_, i) => ({
    source: `${name}:${split}#${i}`,
    label: data.labels[i]!,
    load: async () => ({ data: data.images.subarray(i * pixels, (i + 1) * pixels), width: data.width, height: data.height, channels: data.channels }),
  }));
}

/** Lists every input image of a dataset with its label and split. */
export async function listDataset(src: string, options: ListOptions = {}): Promise<DatasetListing> {
  const format = options.format ?? (await detectDatasetFormat(src));
  const seed = options.seed ?? 1;
  switch (format) {
    case 'fashion-mnist':
    case 'cifar-10': {
      const data = await readArrayDataset(src, format);
      return {
        format,
        classes: data.classes,
        splits: { train: arraySources(format, 'train', data.splits.train), val: arraySources(format, 'val', data.splits.val) },
        heldOut: false,
        rejected: [],
      };
    }
    case 'ilsvrc': {
      const tree = await readIlsvrc(src);
      const own = tree.val.length > 0 || tree.rejected.length > 0;
      const split = own ? { train: tree.train, val: tree.val } : heldOutSplit(tree.train, options.valFraction ?? 0.1, seed);
      return {
        format,
        classes: tree.classes,
        ...(tree.classNames ? { classNames: tree.classNames } : {}),
        splits: { train: fileSources(split.train), val: fileSources(split.val) },
        heldOut: !own,
        rejected: tree.rejected,
      };
    }
    case 'split-folders': {
      const train = await readClassFolders(join(src, 'train'));
      const val = await readClassFolders(join(src, 'val'));
      const label = new Map(train.classes.map((c, i) => [c, i]));
      const rejected: DatasetListing['rejected'] = [];
      const valItems: LabelledFile[] = [];
      for (const item of val.items) {
        const l = label.get(val.classes[item.label]!);
        if (l === undefined) rejected.push({ file: item.file, reason: `class ${val.classes[item.label]} has no folder in ${join(src, 'train')}` });
        else valItems.push({ file: item.file, label: l });
      }
      return { format, classes: train.classes, splits: { train: fileSources(train.items), val: fileSources(valItems) }, heldOut: false, rejected };
    }
    case 'class-folders': {
      const tree = await readClassFolders(src);
      const split = heldOutSplit(tree.items, options.valFraction ?? 0.1, seed);
      return { format, classes: tree.classes, splits: { train: fileSources(split.train), val: fileSources(split.val) }, heldOut: true, rejected: [] };
    }
  }
}
