import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClassFolders } from './class-folders.js';
import { heldOutSplit } from './held-out-split.js';
import { prepareClassFolders } from './prepare-class-folders.js';
import { readPreparedSplit } from './prepared-dataset.js';
import { SHAPE_CLASSES, writeSyntheticShapes } from './synthetic-shapes.js';

describe('synthetic shapes → prepared dataset', () => {
  it('writes the same bytes for the same seed, once', async () => {
    const a = await mkdtemp(join(tmpdir(), 'shapes-a-'));
    const b = await mkdtemp(join(tmpdir(), 'shapes-b-'));
    await writeSyntheticShapes(a, { perClass: 2, seed: 7 });
    await writeSyntheticShapes(b, { perClass: 2, seed: 7, concurrency: 1 });
    for (const shape of SHAPE_CLASSES) {
      const file = `${shape}/${shape}-0002.jpg`;
      expect((await readFile(join(a, file))).equals(await readFile(join(b, file)))).toBe(true);
    }
    expect((await writeSyntheticShapes(a, { perClass: 2, seed: 7 })).reused).toBe(true);
  });

  it('prepares class folders, splits per class and rejects bad files with the reason', async () => {
    const src = await mkdtemp(join(tmpdir(), 'shapes-src-'));
    await writeSyntheticShapes(src, { perClass: 5, seed: 1 });
    await writeFile(join(src, 'circle', 'broken.jpg'), 'this is not a JPEG');
    await writeFile(join(src, 'square', 'empty.jpg'), '');
    const out = await mkdtemp(join(tmpdir(), 'shapes-out-'));
    const result = await prepareClassFolders(src, out, { size: 24, valFraction: 0.2, seed: 3 });
    expect(result.index.classes).toEqual([...SHAPE_CLASSES]);
    expect(result.kept).toBe(50);
    expect(result.rejected.map((r) => r.file)).toEqual([join(src, 'circle', 'broken.jpg'), join(src, 'square', 'empty.jpg')]);
    expect(result.rejected.every((r) => r.reason.length > 0)).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'rejected.json'), 'utf8'))).toEqual(result.rejected);
    const train = await readPreparedSplit(out, 'train');
    const val = await readPreparedSplit(out, 'val');
    expect([train.count, val.count]).toEqual([40, 10]);
    expect(train.images.length).toBe(40 * 24 * 24 * 3);
    for (let label = 0; label < 10; label++) expect(Array.from(val.labels).filter((l) => l === label)).toHaveLength(1);
  });

  it('refuses a truncated split file, naming it', async () => {
    const src = await mkdtemp(join(tmpdir(), 'shapes-src-'));
    await writeSyntheticShapes(src, { perClass: 2, seed: 1 });
    const out = await mkdtemp(join(tmpdir(), 'shapes-out-'));
    await prepareClassFolders(src, out, { size: 8, valFraction: 0.5 });
    await writeFile(join(out, 'train.u8'), new Uint8Array(10));
    await expect(readPreparedSplit(out, 'train')).rejects.toThrow(`${join(out, 'train.u8')}: 10 bytes, expected 1920`);
    await expect(readPreparedSplit(out, 'test')).rejects.toThrow("no split 'test' (has train, val)");
  });

  it('holds out the same items for the same seed', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ file: `f${i}`, label: i % 3 }));
    expect(heldOutSplit(items, 0.2, 4)).toEqual(heldOutSplit(items, 0.2, 4));
    expect(heldOutSplit(items, 0.2, 4).val).toHaveLength(6);
    expect(() => heldOutSplit(items, 1, 4)).toThrow('val fraction must be in (0, 1), got 1');
  });

  it('never holds out a whole class', () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ file: `f${i}`, label: i % 3 }));
    const { train, val } = heldOutSplit(items, 0.9, 1);
    expect(new Set(train.map((t) => t.label))).toEqual(new Set([0, 1, 2]));
    expect(val).toHaveLength(3);
  });

  it('regenerates without stale images from other options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shapes-'));
    await writeSyntheticShapes(dir, { perClass: 3, seed: 1 });
    await writeSyntheticShapes(dir, { perClass: 2, seed: 1 });
    expect((await readClassFolders(dir)).items).toHaveLength(20);
  });

  it('follows symbolic links to class folders and images', async () => {
    const src = await mkdtemp(join(tmpdir(), 'shapes-'));
    await writeSyntheticShapes(src, { perClass: 1, seed: 1 });
    const linked = await mkdtemp(join(tmpdir(), 'linked-'));
    await symlink(join(src, 'circle'), join(linked, 'circle'));
    await mkdir(join(linked, 'star'));
    await symlink(join(src, 'star', 'star-0001.jpg'), join(linked, 'star', 'one.jpg'));
    const tree = await readClassFolders(linked);
    expect(tree.classes).toEqual(['circle', 'star']);
    expect(tree.items.map((i) => i.label)).toEqual([0, 1]);
  });
});
