import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { readClassFolders, type LabelledFile } from './class-folders.js';
import { heldOutSplit } from './held-out-split.js';
import type { PreparedIndex } from './prepared-dataset.js';
import { resizeAndCenterCrop } from './resize-crop.js';

export interface PrepareOptions {
  /** Side of the stored images (shorter side resized, then center crop). Default 256. */
  size?: number;
  /** Fraction of each class held out for validation. Default 0.2. */
  valFraction?: number;
  seed?: number;
  /** Images decoded at once. Default 8. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PrepareResult {
  index: PreparedIndex;
  kept: number;
  rejected: Array<{ file: string; reason: string }>;
}

/**
 * Decodes a class-folder tree into a prepared dataset: each image resized and
 * center-cropped to size×size, a seeded held-out split, one raw file per split
 * and `index.json` written last (so a dataset with an index is complete).
 * Files that cannot be decoded are skipped and listed in `rejected.json`.
 */
export async function prepareClassFolders(src: string, out: string, options: PrepareOptions = {}): Promise<PrepareResult> {
  const size = options.size ?? 256;
  const tree = await readClassFolders(src);
  const { train, val } = heldOutSplit(tree.items, options.valFraction ?? 0.2, options.seed ?? 1);
  const total = tree.items.length;
  const rejected: PrepareResult['rejected'] = [];
  let done = 0;
  await mkdir(out, { recursive: true });

  const decodeSplit = async (items: LabelledFile[]) => {
    const pixels = size * size * 3;
    const buffer = new Uint8Array(items.length * pixels);
    const ok = new Array<boolean>(items.length).fill(false);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i]!;
        try {
          const image = await resizeAndCenterCrop(item.file, size);
          buffer.set(image.data, i * pixels);
          ok[i] = true;
        } catch (error) {
          rejected.push({ file: item.file, reason: String((error as Error).message).split('\n')[0]! });
        }
        done++;
        options.onProgress?.(done, total);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
    // Compact: drop the rejected images, keeping order and labels aligned.
    const keptIndices = ok.flatMap((good, i) => (good ? [i] : []));
    const images = new Uint8Array(keptIndices.length * pixels);
    keptIndices.forEach((from, to) => images.set(buffer.subarray(from * pixels, (from + 1) * pixels), to * pixels));
    return { images, labels: keptIndices.map((i) => items[i]!.label) };
  };

  const index: PreparedIndex = { format: 'alexnet-prepared', version: 1, size, classes: tree.classes, splits: {} };
  for (const [name, items] of [['train', train], ['val', val]] as const) {
    const { images, labels } = await decodeSplit(items);
    const file = `${name}.u8`;
    await writeFileAtomic(join(out, file), images);
    index.splits[name] = { count: labels.length, file, labels };
  }
  rejected.sort((a, b) => a.file.localeCompare(b.file));
  await writeFileAtomic(join(out, 'rejected.json'), JSON.stringify(rejected, null, 2) + '\n');
  await writeFileAtomic(join(out, 'index.json'), JSON.stringify(index) + '\n');
  return { index, kept: done - rejected.length, rejected };
}
