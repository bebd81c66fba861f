import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { moveIntoPlace } from './move-into-place.js';

describe('moveIntoPlace', () => {
  it('moves a file, and refuses a target that exists without touching it', async () => {
    const dir = await temporaryFolder('move');
    await writeFile(join(dir, 'staged'), 'new');
    await moveIntoPlace(join(dir, 'staged'), join(dir, 'model.onnx'));
    expect(await readFile(join(dir, 'model.onnx'), 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['model.onnx']);

    await writeFile(join(dir, 'staged'), 'newer');
    await expect(moveIntoPlace(join(dir, 'staged'), join(dir, 'model.onnx'))).rejects.toMatchObject({
      message: `${join(dir, 'model.onnx')} exists; nothing was overwritten`,
      code: 'EEXIST',
    });
    expect(await readFile(join(dir, 'model.onnx'), 'utf8')).toBe('new');
    expect(await readFile(join(dir, 'staged'), 'utf8')).toBe('newer');
  });

  it('moves a folder, and refuses one that exists, even empty (which rename would replace)', async () => {
    const dir = await temporaryFolder('move');
    await mkdir(join(dir, 'staged'));
    await writeFile(join(dir, 'staged', 'model.json'), '{}');
    await moveIntoPlace(join(dir, 'staged'), join(dir, 'model'));
    expect(await readdir(join(dir, 'model'))).toEqual(['model.json']);

    await mkdir(join(dir, 'staged'));
    await writeFile(join(dir, 'staged', 'model.json'), '{"new":1}');
    await mkdir(join(dir, 'empty'));
    for (const target of ['model', 'empty']) {
      await expect(moveIntoPlace(join(dir, 'staged'), join(dir, target))).rejects.toMatchObject({ code: 'EEXIST' });
    }
    expect(await readFile(join(dir, 'model', 'model.json'), 'utf8')).toBe('{}');
    expect(await readdir(join(dir, 'empty'))).toEqual([]);
    expect(await readdir(join(dir, 'staged'))).toEqual(['model.json']);
  });
});
