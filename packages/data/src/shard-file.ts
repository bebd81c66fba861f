import { closeSync, readSync } from 'node:fs';
import { z } from 'zod';
import { MAX_JSON_BYTES, openRegularFileSync, validated } from '@alexnet/files';
import { count, IMAGE_SIDE, NAME } from './dataset-schema.js';

/**
 * One shard of a prepared dataset: a self-describing file that holds a run of
 * S×S images and their labels, so that a shard on disk is either complete
 * (written to a temporary name and renamed) or absent.
 *
 *   bytes 0–7   "ALXSHRD1"
 *   bytes 8–11  header length H, uint32 little-endian
 *   12…12+H     header, UTF-8 JSON (ShardHeader)
 *   then        the records back to back; record i spans offsets[i]…offsets[i+1]
 */
export const SHARD_MAGIC = 'ALXSHRD1';

/** How a record stores its image: raw uint8 S×S×3 pixels, or a JPEG of them. */
export type ShardEncoding = 'raw' | 'jpeg';

export interface ShardHeader {
  version: 1;
  /** Side of every image. */
  size: number;
  encoding: ShardEncoding;
  count: number;
  labels: number[];
  /** count + 1 byte offsets into the record area. */
  offsets: number[];
  /** Where each image came from (a path, or `<file>#<index>` for array datasets). */
  sources: string[];
  /** Inputs planned for this shard that could not be used. */
  rejected: Array<{ file: string; reason: string }>;
}

export interface ShardRecord {
  label: number;
  source: string;
  bytes: Uint8Array;
}

/** A shard holds at most this many images (prepare's --shard-size is far below). */
const MAX_SHARD_IMAGES = 1 << 20;

const SHARD_HEADER = z
  .object({
    version: z.literal(1),
    size: IMAGE_SIDE,
    encoding: z.enum(['raw', 'jpeg']),
    count: count(MAX_SHARD_IMAGES),
    labels: z.array(z.number().int()),
    offsets: z.array(count(0xffffffff)),
    sources: z.array(z.string().max(4096)),
    rejected: z.array(z.object({ file: z.string().max(4096), reason: NAME })),
  })
  .refine((h) => h.labels.length === h.count, { message: 'one label per image expected', path: ['labels'] })
  .refine((h) => h.offsets.length === h.count + 1, { message: 'count + 1 offsets expected', path: ['offsets'] })
  .refine((h) => h.sources.length === h.count, { message: 'one source per image expected', path: ['sources'] });

/** Serialises a shard; records are kept in the given order. */
export function encodeShard(meta: { size: number; encoding: ShardEncoding; rejected: ShardHeader['rejected'] }, records: ShardRecord[]): Buffer {
  const offsets = [0];
  for (const r of records) offsets.push(offsets.at(-1)! + r.bytes.byteLength);
  if (offsets.at(-1)! > 0xffffffff) throw new Error(`shard of ${records.length} images is over 4 GiB; use a smaller --shard-size`);
  const header: ShardHeader = {
    version: 1,
    size: meta.size,
    encoding: meta.encoding,
    count: records.length,
    labels: records.map((r) => r.label),
    offsets,
    sources: records.map((r) => r.source),
    rejected: meta.rejected,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(SHARD_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.byteLength, 8);
  return Buffer.concat([prefix, json, ...records.map((r) => r.bytes)]);
}

/**
 * Random access to the records of one shard file with positional reads, so
 * neither the shard nor the dataset is ever held in memory whole.
 */
export class ShardReader {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly header: ShardHeader,
    private readonly dataStart: number,
  ) {}

  /**
   * Opens and validates a shard: a regular file whose header has the declared
   * types and ranges, offsets that start at 0 and never decrease, records of
   * exactly size×size×3 bytes when raw, and a length that matches. Labels are
   * checked against the class count when a split is opened (PreparedSplit).
   * Any damage is an error naming the file.
   */
  static open(path: string): ShardReader {
    const { fd, size: fileBytes } = openRegularFileSync(path);
    try {
      const fail = (what: string): never => {
        throw new Error(`${path}: ${what} (damaged shard; delete it and run prepare again to rebuild it)`);
      };
      const prefix = Buffer.alloc(12);
      if (readSync(fd, prefix, 0, 12, 0) !== 12 || prefix.toString('latin1', 0, 8) !== SHARD_MAGIC) fail('not a shard file');
      const headerBytes = prefix.readUInt32LE(8);
      if (12 + headerBytes > fileBytes) fail(`header of ${headerBytes} bytes runs past the end of the file`);
      if (headerBytes > MAX_JSON_BYTES) fail(`header of ${headerBytes} bytes, more than the ${MAX_JSON_BYTES} allowed`);
      const json = Buffer.alloc(headerBytes);
      if (readSync(fd, json, 0, headerBytes, 12) !== headerBytes) fail('short read of the header');
      let parsed: unknown;
      try {
        parsed = JSON.parse(json.toString('utf8'));
      } catch {
        return fail('unreadable header');
      }
      const header = validated(SHARD_HEADER, parsed, path, 'damaged shard; delete it and run prepare again to rebuild it') as ShardHeader;
      const { offsets } = header;
      if (offsets[0] !== 0) fail(`offsets start at ${offsets[0]}, not 0`);
      const rawBytes = header.size * header.size * 3;
      for (let i = 0; i < header.count; i++) {
        const length = offsets[i + 1]! - offsets[i]!;
        if (length < 0) fail(`record ${i} ends before it starts (offsets ${offsets[i]}, ${offsets[i + 1]})`);
        if (header.encoding === 'raw' && length !== rawBytes)
          fail(`record ${i} has ${length} bytes; a raw ${header.size}×${header.size}×3 image has ${rawBytes}`);
      }
      const expected = 12 + headerBytes + offsets[header.count]!;
      if (fileBytes !== expected) fail(`${fileBytes} bytes, expected ${expected} (truncated?)`);
      return new ShardReader(path, fd, header, 12 + headerBytes);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * The bytes of record `i` (raw pixels or a JPEG, per the header's encoding).
   * With `into` (large enough), they are read into it and a view of it is
   * returned: no allocation per image on the loader's hot path.
   */
  record(i: number, into?: Buffer): Buffer {
    if (this.fd === undefined) throw new Error(`${this.path}: shard reader is closed`);
    if (!(i >= 0 && i < this.header.count)) throw new Error(`${this.path}: no record ${i} (has ${this.header.count})`);
    const start = this.header.offsets[i]!;
    const length = this.header.offsets[i + 1]! - start;
    const bytes = into !== undefined && into.byteLength >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    if (readSync(this.fd, bytes, 0, length, this.dataStart + start) !== length) throw new Error(`${this.path}: short read of record ${i}`);
    return bytes;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
