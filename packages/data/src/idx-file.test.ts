import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { encodeIdx, readIdxFile } from './idx-file.js';

let dir: string;
beforeEach(async () => {
  dir = await temporaryFolder('idx');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);

describe('readIdxFile', () => {
  it('reads dims as big-endian uint32 after the 00 00 08 <ndim> magic', async () => {
    // Written by hand, so the byte order is checked against the spec and not against encodeIdx.
    const file = join(dir, 'hand');
    await writeFile(file, Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 1, 0, ...new Uint8Array(256).fill(5)]));
    const idx = await readIdxFile(file);
    expect(idx.dims).toEqual([1, 256]);
    expect(idx.data.length).toBe(256);
    expect(Array.from(encodeIdx([60000], new Uint8Array(60000)).subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0xea, 0x60]);
  });

  it('round-trips a plain file', async () => {
    const file = join(dir, 'plain-idx3-ubyte');
    await writeFile(file, encodeIdx([2, 3, 4], data));
    const idx = await readIdxFile(file);
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(idx.data).toEqual(data);
  });

  it('round-trips a gzipped file, found by its magic whatever the name', async () => {
    for (const name of ['x-idx3-ubyte.gz', 'no-suffix']) {
      await writeFile(join(dir, name), gzipSync(encodeIdx([2, 3, 4], data)));
      const idx = await readIdxFile(join(dir, name));
      expect(idx.dims).toEqual([2, 3, 4]);
      expect(idx.data).toEqual(data);
    }
  });

  it('names the file and the problem', async () => {
    const file = join(dir, 'bad');
    await expect(readIdxFile(join(dir, 'missing'))).rejects.toThrow(`cannot read IDX file ${join(dir, 'missing')}`);

    await writeFile(file, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2]));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: not an IDX file (magic is 89 50 4e 47`);

    await writeFile(file, new Uint8Array(0));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: not an IDX file (magic is missing`);

    await writeFile(file, Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: IDX type 0x0d (float32) is not supported`);

    await writeFile(file, Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: truncated IDX header`);

    await writeFile(file, encodeIdx([2, 3, 4], data).subarray(0, 4 + 12 + 20));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: 20 data bytes, expected 24 for dims 2×3×4 (truncated)`);

    await writeFile(file, gzipSync(encodeIdx([2, 3, 4], data)).subarray(0, 20));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: corrupt gzip data`);
  });
});
