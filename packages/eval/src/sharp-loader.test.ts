import { describe, expect, it } from 'vitest';
import { importSharp, loadSharp } from './sharp-loader.js';

describe('loadSharp', () => {
  it('loads the installed sharp once', async () => {
    const sharp = await loadSharp();
    expect(typeof sharp).toBe('function');
    expect(await loadSharp()).toBe(sharp);
  });

  it('says that sharp is missing when it is not installed, and passes other failures through', async () => {
    const missing = Object.assign(new Error("Cannot find package 'sharp' imported from /x/eval/dist/sharp-loader.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importSharp(() => Promise.reject(missing))).rejects.toThrow(
      '@alexnet/eval: PNG pictures need sharp (^0.34.5), an optional peer dependency that is not installed',
    );
    const broken = new Error('Could not load the "sharp" module using the linux-x64 runtime');
    await expect(importSharp(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});
