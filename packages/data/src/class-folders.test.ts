import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { readClassFolders } from './class-folders.js';
import { writeSyntheticShapes } from './synthetic-shapes.js';

describe('readClassFolders', () => {
  it('follows symbolic links to class folders and images', async () => {
    const src = await temporaryFolder('shapes');
    await writeSyntheticShapes(src, { perClass: 1, seed: 1 });
    const linked = await temporaryFolder('linked');
    await symlink(join(src, 'circle'), join(linked, 'circle'));
    await mkdir(join(linked, 'star'));
    await symlink(join(src, 'star', 'star-0001.jpg'), join(linked, 'star', 'one.jpg'));
    const tree = await readClassFolders(linked);
    expect(tree.classes).toEqual(['circle', 'star']);
    expect(tree.items.map((i) => i.label)).toEqual([0, 1]);
  });

  it('says what it expected when there are no class folders', async () => {
    const empty = await temporaryFolder('empty');
    await expect(readClassFolders(empty)).rejects.toThrow(`${empty} has no class folders (expected <root>/<class>/<image>)`);
  });
});
