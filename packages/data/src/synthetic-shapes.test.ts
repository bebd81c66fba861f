import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { readClassFolders } from './class-folders.js';
import { SHAPE_CLASSES, writeSyntheticShapes } from './synthetic-shapes.js';

describe('synthetic shapes', () => {
  it('writes the same bytes for the same seed, once', async () => {
    const a = await temporaryFolder('shapes-a');
    const b = await temporaryFolder('shapes-b');
    await writeSyntheticShapes(a, { perClass: 2, seed: 7 });
    await writeSyntheticShapes(b, { perClass: 2, seed: 7, concurrency: 1 });
    for (const shape of SHAPE_CLASSES) {
      const file = `${shape}/${shape}-0002.jpg`;
      expect((await readFile(join(a, file))).equals(await readFile(join(b, file)))).toBe(true);
    }
    expect((await writeSyntheticShapes(a, { perClass: 2, seed: 7 })).reused).toBe(true);
  });

  it('regenerates without stale images from other options', async () => {
    const dir = await temporaryFolder('shapes');
    await writeSyntheticShapes(dir, { perClass: 3, seed: 1 });
    await writeSyntheticShapes(dir, { perClass: 2, seed: 1 });
    expect((await readClassFolders(dir)).items).toHaveLength(20);
  });
});
