import { endianness } from 'node:os';
import { openRegularFile, writeFileAtomic } from '@alexnet/files';

/** One search result: the stored vector's id and its Euclidean distance to the query. */
export interface Neighbour {
  id: number;
  distance: number;
}

/** What the JSON header of a saved index holds. */
interface IndexHeader {
  format: typeof FORMAT;
  version: 1;
  dim: number;
  count: number;
}

const MAGIC = 'ALXFEAT\n';
const FORMAT = 'alexnet-feature-index';

/**
 * Nearest neighbours by Euclidean distance over feature vectors (§6.1 of the
 * paper compares images by the distance between their last hidden layer's
 * 4096-d activations — Figure 4).
 *
 * Search is exact brute force: a query costs n·dim multiply-adds over the n
 * stored vectors (50,000 × 4096 ≈ 2·10⁸: about 0.45 s on one core of the
 * machines here) plus O(n·log k) comparisons to keep the best k. Memory and
 * file size are n·dim·4 bytes (800 MB for 50,000 4096-d vectors), so index a
 * split of tens of thousands of images, not ImageNet's 1.2 million. Distances
 * are summed in float64; equal distances are ordered by id, so results are
 * deterministic.
 *
 * Saved files are little-endian: the 8 bytes `ALXFEAT\n`, a uint32 header
 * length, the JSON header `{ format, version, dim, count }` padded with
 * spaces to a multiple of 8 bytes, then `count` float64 ids, then
 * count·dim float32 values, vector after vector.
 */
export class FeatureIndex {
  private vectors: Float32Array;
  private identifiers: Float64Array;
  private size = 0;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`dim must be a positive integer, got ${dim}`);
    this.vectors = new Float32Array(0);
    this.identifiers = new Float64Array(0);
  }

  /** How many vectors are stored. */
  get count(): number {
    return this.size;
  }

  /** Appends n vectors (row-major n×dim) with their ids (integers; one per vector). */
  add(vectors: Float32Array, ids: readonly number[]): void {
    if (vectors.length !== ids.length * this.dim) throw new Error(`${vectors.length} values are not ${ids.length} vectors of ${this.dim}`);
    for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`ids must be integers, got ${id}`);
    this.reserve(this.size + ids.length);
    this.vectors.set(vectors, this.size * this.dim);
    this.identifiers.set(ids, this.size);
    this.size += ids.length;
  }

  /** The k stored vectors nearest to `query`, nearest first (fewer if fewer are stored). */
  nearest(query: Float32Array, k: number): Neighbour[] {
    if (query.length !== this.dim) throw new Error(`query has ${query.length} values, the index holds ${this.dim}-d vectors`);
    if (!Number.isInteger(k) || k < 0) throw new Error(`k must be a non-negative integer, got ${k}`);
    if (k === 0) return [];
    // The best k so far, sorted by (squared distance, id); binary insertion keeps it sorted.
    const best: Array<{ id: number; squared: number }> = [];
    const before = (a: { id: number; squared: number }, b: { id: number; squared: number }) =>
      a.squared < b.squared || (a.squared === b.squared && a.id < b.id);
    for (let i = 0; i < this.size; i++) {
      const offset = i * this.dim;
      let squared = 0;
      for (let d = 0; d < this.dim; d++) {
        const diff = this.vectors[offset + d]! - query[d]!;
        squared += diff * diff;
      }
      const candidate = { id: this.identifiers[i]!, squared };
      if (best.length === k && !before(candidate, best[k - 1]!)) continue;
      let low = 0;
      let high = best.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (before(best[middle]!, candidate)) low = middle + 1;
        else high = middle;
      }
      best.splice(low, 0, candidate);
      if (best.length > k) best.pop();
    }
    return best.map(({ id, squared }) => ({ id, distance: Math.sqrt(squared) }));
  }

  /** Writes the index to `path` atomically (temporary file, then rename). */
  async save(path: string): Promise<void> {
    checkLittleEndian();
    const header: IndexHeader = { format: FORMAT, version: 1, dim: this.dim, count: this.size };
    const json = JSON.stringify(header);
    // Pad so the float64 ids start 8-byte aligned.
    const headerBytes = Buffer.from(json.padEnd(Math.ceil((MAGIC.length + 4 + json.length) / 8) * 8 - MAGIC.length - 4, ' '));
    const prefix = Buffer.alloc(MAGIC.length + 4);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
    const ids = this.identifiers.subarray(0, this.size);
    const values = this.vectors.subarray(0, this.size * this.dim);
    await writeFileAtomic(path, [
      prefix,
      headerBytes,
      new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength),
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    ]);
  }

  /**
   * Reads an index written by {@link save}; errors name the file and what is
   * wrong with it. Only a regular file is read, and only after its header's
   * promised size matches the file's; with `expect`, an index of other
   * dimensions or size, identifiers outside [0, count) or non-finite vectors
   * are refused too (a cache from elsewhere must not be trusted).
   */
  static async load(path: string, expect?: { dim: number; count: number }): Promise<FeatureIndex> {
    checkLittleEndian();
    const fail = (why: string): never => {
      throw new Error(`${path}: not a readable feature index: ${why}`);
    };
    const { handle, size: fileBytes } = await openRegularFile(path);
    try {
      const prefix = Buffer.alloc(MAGIC.length + 4);
      await handle.read(prefix, 0, prefix.length, 0);
      if (fileBytes < prefix.length || prefix.toString('latin1', 0, MAGIC.length) !== MAGIC) fail(`it does not start with ${JSON.stringify(MAGIC)}`);
      const headerLength = prefix.readUInt32LE(MAGIC.length);
      const dataStart = prefix.length + headerLength;
      if (dataStart > fileBytes) fail(`the header is cut short (${fileBytes} bytes, header ends at ${dataStart})`);
      if (headerLength > 2 ** 20) fail(`a header of ${headerLength} bytes (at most 1 MiB)`);
      const headerBytes = Buffer.alloc(headerLength);
      await handle.read(headerBytes, 0, headerLength, prefix.length);
      let header: Partial<IndexHeader> = {};
      try {
        header = JSON.parse(headerBytes.toString('utf8')) as Partial<IndexHeader>;
      } catch (error) {
        fail(`bad JSON header (${(error as Error).message})`);
      }
      const { format, version } = header;
      if (format !== FORMAT || version !== 1) fail(`format ${JSON.stringify(format)} version ${JSON.stringify(version)}, expected ${FORMAT} version 1`);
      const dim = header.dim!;
      const count = header.count!;
      if (!Number.isSafeInteger(dim) || dim < 1 || !Number.isSafeInteger(count) || count < 0) fail(`bad dim ${dim} or count ${count}`);
      if (expect && (dim !== expect.dim || count !== expect.count)) fail(`${count} vectors of ${dim}, expected ${expect.count} of ${expect.dim}`);
      const expected = dataStart + count * 8 + count * dim * 4;
      if (fileBytes !== expected) {
        fail(`${count} vectors of ${dim} need ${expected} bytes, the file has ${fileBytes}${fileBytes < expected ? ' (truncated?)' : ''}`);
      }
      const index = new FeatureIndex(dim);
      index.reserve(count);
      // Read straight into aligned storage: ids (float64), then vectors (float32).
      const read = async (target: Uint8Array, position: number) => {
        for (let done = 0; done < target.length;) {
          const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
          if (bytesRead === 0) fail('it changed while it was read');
          done += bytesRead;
        }
      };
      await read(new Uint8Array(index.identifiers.buffer, 0, count * 8), dataStart);
      await read(new Uint8Array(index.vectors.buffer, 0, count * dim * 4), dataStart + count * 8);
      index.size = count;
      if (expect) {
        for (let i = 0; i < count; i++) {
          const id = index.identifiers[i]!;
          if (!Number.isInteger(id) || id < 0 || id >= expect.count) fail(`identifier ${i} is ${id}, outside [0, ${expect.count})`);
        }
        for (let i = 0; i < count * dim; i++) if (!Number.isFinite(index.vectors[i]!)) fail(`vector value ${i} is ${index.vectors[i]}`);
      }
      return index;
    } finally {
      await handle.close();
    }
  }

  /** Grows the storage to hold at least `capacity` vectors, doubling so that many small adds stay linear. */
  private reserve(capacity: number): void {
    if (capacity <= this.identifiers.length) return;
    const next = Math.max(capacity, this.identifiers.length * 2);
    const vectors = new Float32Array(next * this.dim);
    vectors.set(this.vectors.subarray(0, this.size * this.dim));
    const identifiers = new Float64Array(next);
    identifiers.set(this.identifiers.subarray(0, this.size));
    this.vectors = vectors;
    this.identifiers = identifiers;
  }
}

function checkLittleEndian(): void {
  // Typed arrays use the machine's byte order; the file format is little-endian.
  if (endianness() !== 'LE') throw new Error('FeatureIndex files are little-endian; this machine is big-endian');
}
