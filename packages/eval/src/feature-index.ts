import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { writeFileAtomic } from '@alexnet/data';

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
    const before = (a: { id: number; squared: number }, b: { id: number; squared: number }) => a.squared < b.squared || (a.squared === b.squared && a.id < b.id);
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

  /** Reads an index written by {@link save}; errors name the file and what is wrong with it. */
  static async load(path: string): Promise<FeatureIndex> {
    checkLittleEndian();
    const bytes = await readFile(path);
    const fail = (why: string): never => {
      throw new Error(`${path}: not a readable feature index: ${why}`);
    };
    if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) fail(`it does not start with ${JSON.stringify(MAGIC)}`);
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    const dataStart = MAGIC.length + 4 + headerLength;
    if (dataStart > bytes.length) fail(`the header is cut short (${bytes.length} bytes, header ends at ${dataStart})`);
    let header: Partial<IndexHeader> = {};
    try {
      header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, dataStart)) as Partial<IndexHeader>;
    } catch (error) {
      fail(`bad JSON header (${(error as Error).message})`);
    }
    const { format, version, dim, count } = header;
    if (format !== FORMAT || version !== 1) fail(`format ${JSON.stringify(format)} version ${JSON.stringify(version)}, expected ${FORMAT} version 1`);
    if (!Number.isInteger(dim) || dim! < 1 || !Number.isInteger(count) || count! < 0) fail(`bad dim ${dim} or count ${count}`);
    const expected = dataStart + count! * 8 + count! * dim! * 4;
    if (bytes.length !== expected) {
      fail(`${count} vectors of ${dim} need ${expected} bytes, the file has ${bytes.length}${bytes.length < expected ? ' (truncated?)' : ''}`);
    }
    const index = new FeatureIndex(dim!);
    index.reserve(count!);
    // Copy out of the file buffer: its byte offset need not suit a typed-array view.
    new Uint8Array(index.identifiers.buffer).set(bytes.subarray(dataStart, dataStart + count! * 8));
    new Uint8Array(index.vectors.buffer).set(bytes.subarray(dataStart + count! * 8, expected));
    index.size = count!;
    return index;
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
