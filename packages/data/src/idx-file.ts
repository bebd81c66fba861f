import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** An IDX array of unsigned bytes: `data` holds the product of `dims` values, last dim fastest. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

// Type codes from the IDX spec, named so an unsupported one can be reported.
const IDX_TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const UBYTE = 0x08;

/** Reads an IDX file (Yann LeCun's MNIST format), gzipped or plain; only the unsigned-byte type. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read IDX file ${path}: ${(error as Error).message}`);
  }
  // Distributions ship the .gz files; accept them whatever the name says.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
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
