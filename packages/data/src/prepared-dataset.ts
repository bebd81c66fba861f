import { DatasetError } from './dataset-error.js';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { fileInside, readJsonFile, validated } from '@alexnet/files';
import { DATASET_FORMATS, type DatasetFormat } from './dataset-listing.js';
import { count, IMAGE_SIDE, NAME } from './dataset-schema.js';
import { ShardReader, type ShardEncoding } from './shard-file.js';

/** The index file's name: written last by prepare, so its presence means the dataset is complete. */
export const INDEX_FILE = 'index.json';

/** `<dir>/index.json` of a prepared dataset; written last, so its presence means the dataset is complete. */
export interface PreparedIndex {
  format: 'alexnet-prepared';
  version: 2;
  /** Side of the stored square images. */
  size: number;
  encoding: ShardEncoding;
  /** Class names in label order (folder names, or wnids for ILSVRC). */
  classes: string[];
  /** Human-readable names in label order, when the source has them (ILSVRC synset words). */
  classNames?: string[];
  source: { path: string; format: DatasetFormat; heldOut: boolean; valFraction?: number; seed: number };
  splits: Record<string, PreparedSplitInfo>;
  /** File names, relative to the dataset folder. */
  stats: string;
  meanImage: string;
  rejected: string;
}

export interface PreparedSplitInfo {
  count: number;
  shards: Array<{ file: string; count: number }>;
}

const SPLIT_INFO = z.object({
  count: count(),
  shards: z.array(z.object({ file: z.string(), count: count() })).max(1 << 20),
});

/** What a prepared index must hold; names inside it are checked where they are joined to the folder. */
const PREPARED_INDEX = z
  .object({
    format: z.literal('alexnet-prepared'),
    version: z.literal(2),
    size: IMAGE_SIDE,
    encoding: z.enum(['raw', 'jpeg']),
    classes: z
      .array(NAME)
      .min(1)
      .max(1 << 20),
    classNames: z.array(z.string().max(4096)).optional(),
    source: z.object({
      path: z.string(),
      format: z.enum(DATASET_FORMATS as unknown as [DatasetFormat, ...DatasetFormat[]]),
      heldOut: z.boolean(),
      valFraction: z.number().min(0).max(1).optional(),
      seed: z.number().int(),
    }),
    splits: z.record(z.string().regex(/^[\w.-]{1,64}$/, 'split names are letters, digits, ., _ or -'), SPLIT_INFO),
    stats: z.string(),
    meanImage: z.string(),
    rejected: z.string(),
  })
  .refine((i) => new Set(i.classes).size === i.classes.length, { message: 'class names must be unique', path: ['classes'] })
  .refine((i) => i.classNames === undefined || i.classNames.length === i.classes.length, { message: 'one name per class expected', path: ['classNames'] });

export async function readPreparedIndex(dir: string): Promise<PreparedIndex> {
  const file = join(dir, INDEX_FILE);
  const value = await readJsonFile(file).catch((error: Error) => {
    throw new DatasetError(`${error.message.startsWith(file) ? error.message : `${file}: ${error.message}`}; not a prepared dataset`, dir, 'prepare');
  });
  const tag = value as { format?: unknown; version?: unknown } | null;
  if (tag?.format !== 'alexnet-prepared' || tag.version !== 2) {
    throw new Error(`${file}: unknown format ${String(tag?.format)} v${String(tag?.version)}; prepare the dataset again with this version`);
  }
  return validated(PREPARED_INDEX, value, file) as PreparedIndex;
}

/** A split's entry in the index, looked up as the index's own key (not `constructor` or `__proto__`). */
export function splitInfo(dir: string, index: PreparedIndex, split: string): PreparedSplitInfo {
  if (!Object.hasOwn(index.splits, split)) {
    throw new Error(`${join(dir, INDEX_FILE)}: no split '${split}' (has ${Object.keys(index.splits).join(', ')})`);
  }
  return index.splits[split]!;
}

/**
 * One split of a prepared dataset, opened for random access: labels in
 * memory, images read from the shards on demand.
 */
export class PreparedSplit {
  private constructor(
    readonly name: string,
    readonly size: number,
    readonly encoding: ShardEncoding,
    readonly labels: Int32Array,
    readonly sources: string[],
    private readonly shards: ShardReader[],
    private readonly shardOf: Uint32Array,
    private readonly firstOf: number[],
  ) {}

  static async open(dir: string, split: string, index?: PreparedIndex): Promise<PreparedSplit> {
    index ??= await readPreparedIndex(dir);
    const info = splitInfo(dir, index, split);
    const indexFile = join(dir, INDEX_FILE);
    const classes = index.classes.length;
    const shards: ShardReader[] = [];
    try {
      for (const { file, count } of info.shards) {
        const reader = ShardReader.open(fileInside(dir, file, `${indexFile}: splits.${split}.shards`));
        shards.push(reader);
        const h = reader.header;
        if (h.count !== count || h.size !== index.size || h.encoding !== index.encoding) {
          throw new Error(
            `${reader.path}: holds ${h.count} ${h.encoding} images of ${h.size}×${h.size}, index.json says ${count} ${index.encoding} of ${index.size}×${index.size}`,
          );
        }
        const bad = h.labels.findIndex((label) => label < 0 || label >= classes);
        if (bad >= 0) throw new Error(`${reader.path}: image ${bad} has label ${h.labels[bad]}, outside the ${classes} classes of ${indexFile}`);
      }
    } catch (error) {
      for (const s of shards) s.close();
      throw error;
    }
    const held = shards.reduce((n, s) => n + s.header.count, 0);
    if (held !== info.count) {
      for (const s of shards) s.close();
      throw new Error(`${indexFile}: split '${split}' lists ${info.count} images, its shards hold ${held}`);
    }
    const labels = new Int32Array(info.count);
    const shardOf = new Uint32Array(info.count);
    const firstOf: number[] = [];
    const sources: string[] = [];
    let at = 0;
    shards.forEach((s, k) => {
      firstOf.push(at);
      labels.set(s.header.labels, at);
      shardOf.fill(k, at, at + s.header.count);
      sources.push(...s.header.sources);
      at += s.header.count;
    });
    return new PreparedSplit(split, index.size, index.encoding, labels, sources, shards, shardOf, firstOf);
  }

  get count(): number {
    return this.labels.length;
  }

  /** The stored bytes of image `i` (raw pixels or JPEG), read into `into` when given and large enough. */
  record(i: number, into?: Buffer): Buffer {
    const k = this.shardOf[i];
    if (k === undefined) throw new Error(`split '${this.name}' has no image ${i} (has ${this.count})`);
    return this.shards[k]!.record(i - this.firstOf[k]!, into);
  }

  /**
   * Image `i` as size×size×3 uint8 pixels, channels last. For raw shards,
   * `into` (size×size×3 bytes) is filled and returned instead of a new buffer.
   */
  async pixels(i: number, into?: Buffer): Promise<Uint8Array> {
    if (this.encoding === 'raw') return this.record(i, into);
    const bytes = this.record(i);
    // A stored record decodes to exactly size×size: a larger one is refused before it is decoded.
    const raw = await sharp(bytes, { limitInputPixels: this.size * this.size })
      .removeAlpha()
      .raw()
      .toBuffer()
      .catch((error: Error) => {
        throw new Error(`${this.sources[i]}: stored JPEG cannot be decoded as ${this.size}×${this.size} (${error.message})`);
      });
    if (raw.byteLength !== this.size * this.size * 3)
      throw new Error(`${this.sources[i]}: stored JPEG decodes to ${raw.byteLength} bytes, expected ${this.size}×${this.size}×3`);
    return raw;
  }

  close(): void {
    for (const s of this.shards) s.close();
  }
}
