import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `<dir>/index.json` of a prepared dataset. */
export interface PreparedIndex {
  format: 'alexnet-prepared';
  version: 1;
  /** Side of the stored square images. */
  size: number;
  /** Class names in label order. */
  classes: string[];
  splits: Record<string, PreparedSplitInfo>;
}

export interface PreparedSplitInfo {
  count: number;
  /** Raw uint8 file, `count` images of size×size×3, row-major, channels last. */
  file: string;
  /** Label of each image, in file order. */
  labels: number[];
}

/** A split held in memory. */
export interface PreparedSplit {
  size: number;
  count: number;
  images: Uint8Array;
  labels: Int32Array;
}

export async function readPreparedIndex(dir: string): Promise<PreparedIndex> {
  const file = join(dir, 'index.json');
  let index: PreparedIndex;
  try {
    index = JSON.parse(await readFile(file, 'utf8')) as PreparedIndex;
  } catch (error) {
    throw new Error(`${file}: not a prepared dataset (${(error as Error).message}); run \`alexnet prepare\` first`);
  }
  if (index.format !== 'alexnet-prepared' || index.version !== 1) {
    throw new Error(`${file}: unknown format ${String(index.format)} v${String(index.version)}`);
  }
  return index;
}

/** Reads one split into memory; pass the index when it is already read. */
export async function readPreparedSplit(dir: string, split: string, index?: PreparedIndex): Promise<PreparedSplit> {
  index ??= await readPreparedIndex(dir);
  const info = index.splits[split];
  if (info === undefined) {
    throw new Error(`${join(dir, 'index.json')}: no split '${split}' (has ${Object.keys(index.splits).join(', ')})`);
  }
  const path = join(dir, info.file);
  const images = new Uint8Array(await readFile(path));
  const expected = info.count * index.size * index.size * 3;
  if (images.byteLength !== expected) {
    throw new Error(`${path}: ${images.byteLength} bytes, expected ${expected} for ${info.count} images of ${index.size}×${index.size}×3 (truncated or corrupt; prepare again)`);
  }
  return { size: index.size, count: info.count, images, labels: Int32Array.from(info.labels) };
}
