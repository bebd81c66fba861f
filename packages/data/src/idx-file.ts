import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { readRegularFile } from '@alexnet/files';

/** An IDX array of unsigned bytes: `data` holds the product of `dims` values, last dim fastest. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

// Type codes from the IDX spec, named so an unsupported one can be reported.
const IDX_TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const UBYTE = 0x08;

/** Larger IDX files (or contents) are refused: MNIST-like sets are tens of megabytes (Fashion-MNIST's largest: 47 MB). */
export const MAX_IDX_BYTES = 256 * 2 ** 20;

/** The first `bytes` of a gzip stream's content, decompressing no further. */
async function gunzipPrefix(data: Uint8Array, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  const gunzip = Readable.from([data]).pipe(createGunzip());
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= bytes) break;
    }
  } finally {
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/**
 * The size an IDX file's content must have, from its header (the type and
 * dimensions in its first bytes): what its decompression may produce at most.
 */
async function declaredGzipSize(data: Uint8Array, path: string): Promise<number> {
  const head = await gunzipPrefix(data, 4);
  if (head.length < 4) throw new Error(`${path}: corrupt gzip data, or an IDX file without a header`);
  const header = await gunzipPrefix(data, 4 + 4 * head[3]!);
  if (header.length < 4 + 4 * head[3]!) return header.length; // parseIdx reports the short header
  let size = header.length;
  let values = 1;
  for (let i = 0; i < head[3]!; i++) values *= header.readUInt32BE(4 + 4 * i);
  size += values;
  if (size > MAX_IDX_BYTES) throw new Error(`${path}: its header declares ${size} bytes of content, more than the ${MAX_IDX_BYTES} allowed`);
  return size;
}

/**
 * Reads an IDX file (Yann LeCun's MNIST format), gzipped or plain; only the
 * unsigned-byte type. A gzipped file is inflated to at most the size its own
 * header declares, so a decompression bomb stops at that size.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array = await readRegularFile(path, { maxBytes: MAX_IDX_BYTES }).catch((error: Error) => {
    throw new Error(`cannot read IDX file ${path}: ${error.message}`);
  });
  // Distributions ship the .gz files; accept them whatever the name says.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const limit = await declaredGzipSize(bytes, path).catch((error: Error) => {
      throw error.message.startsWith(path) ? error : new Error(`${path}: corrupt gzip data (${error.message})`);
    });
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: Math.max(limit, 1) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new Error(`${path}: decompresses to more than the ${limit} bytes its header declares (trailing data, or a decompression bomb)`);
      }
      throw new Error(`${path}: corrupt gzip data (${(error as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

function parseIdx(bytes: Uint8Array, path: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${path}: not an IDX file (magic is ${head || 'missing'}, expected 00 00 <type> <ndim>)`);
  }
  const type = bytes[2]!;
  if (type !== UBYTE) {
    const name = IDX_TYPES[type] ?? 'unknown';
    throw new Error(`${path}: IDX type 0x${type.toString(16).padStart(2, '0')} (${name}) is not supported, only 0x08 (unsigned byte)`);
  }
  const ndim = bytes[3]!;
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new Error(`${path}: truncated IDX header (${bytes.length} bytes, ${ndim} dims need ${header})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - header;
  if (actual !== expected) {
    const why = actual < expected ? 'truncated' : 'trailing bytes';
    throw new Error(`${path}: ${actual} data bytes, expected ${expected} for dims ${dims.join('×')} (${why})`);
  }
  // A plain Uint8Array view: no copy, and no Buffer type leaking to callers.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, expected) };
}

/** The IDX bytes of an unsigned-byte array: the inverse of `readIdxFile`, for writing test data. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, UBYTE, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
