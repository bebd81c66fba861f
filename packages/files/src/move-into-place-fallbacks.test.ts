// The branches a normal Linux file system does not take, with the failing call planted.
import { copyFile, link, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { moveIntoPlace } from './move-into-place.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, link: vi.fn(actual.link), rename: vi.fn(actual.rename), copyFile: vi.fn(actual.copyFile) };
});

const failure = (code: string) => Object.assign(new Error(`planted ${code}`), { code });

// A planted failure a test did not use must not fire in the next one.
afterEach(() => {
  for (const mocked of [link, rename, copyFile]) vi.mocked(mocked).mockReset();
});

describe('moveIntoPlace where the usual calls fail', () => {
  it('copies exclusively where hard links are not supported', async () => {
    const dir = await temporaryFolder('move-fallback');
    await writeFile(join(dir, 'staged'), 'new');
    vi.mocked(link).mockRejectedValueOnce(failure('EPERM'));
    await moveIntoPlace(join(dir, 'staged'), join(dir, 'model.onnx'));
    expect(await readdir(dir)).toEqual(['model.onnx']);
    expect(await readFile(join(dir, 'model.onnx'), 'utf8')).toBe('new');
  });

  it('refuses a target that exists where hard links are not supported', async () => {
    const dir = await temporaryFolder('move-fallback');
    await writeFile(join(dir, 'staged'), 'new');
    await writeFile(join(dir, 'model.onnx'), 'theirs');
    vi.mocked(link).mockRejectedValueOnce(failure('EPERM'));
    await expect(moveIntoPlace(join(dir, 'staged'), join(dir, 'model.onnx'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(join(dir, 'model.onnx'), 'utf8')).toBe('theirs');
  });

  it("leaves someone else's file alone when the copy fails before creating the target", async () => {
    const dir = await temporaryFolder('move-fallback');
    await writeFile(join(dir, 'staged'), 'new');
    await writeFile(join(dir, 'model.onnx'), 'theirs');
    vi.mocked(link).mockRejectedValueOnce(failure('EPERM'));
    vi.mocked(copyFile).mockRejectedValueOnce(failure('EMFILE')); // no descriptor left to open the source
    await expect(moveIntoPlace(join(dir, 'staged'), join(dir, 'model.onnx'))).rejects.toMatchObject({
      message: `${join(dir, 'model.onnx')}: cannot be moved into place (EMFILE)`,
      code: 'EMFILE',
      cause: { message: 'planted EMFILE' },
    });
    expect(await readFile(join(dir, 'model.onnx'), 'utf8')).toBe('theirs');
    expect(await readFile(join(dir, 'staged'), 'utf8')).toBe('new');
  });

  it.skipIf(process.platform === 'win32')('refuses a folder that someone filled between the claim and the rename, leaving their files', async () => {
    const dir = await temporaryFolder('move-fallback');
    await mkdir(join(dir, 'staged'));
    await writeFile(join(dir, 'staged', 'model.json'), '{}');
    vi.mocked(rename).mockImplementationOnce(async (_from, to) => {
      await writeFile(join(to as string, 'theirs'), 'x'); // written into the claimed, empty folder
      throw failure('ENOTEMPTY');
    });
    await expect(moveIntoPlace(join(dir, 'staged'), join(dir, 'model'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readdir(join(dir, 'model'))).toEqual(['theirs']);
    expect(await readdir(join(dir, 'staged'))).toEqual(['model.json']);
  });

  it.skipIf(process.platform === 'win32')('gives the name back when the rename fails for another reason', async () => {
    const dir = await temporaryFolder('move-fallback');
    await mkdir(join(dir, 'staged'));
    vi.mocked(rename).mockRejectedValueOnce(failure('EIO'));
    await expect(moveIntoPlace(join(dir, 'staged'), join(dir, 'model'))).rejects.toMatchObject({ code: 'EIO' });
    expect(await readdir(dir)).toEqual(['staged']);
  });
});
