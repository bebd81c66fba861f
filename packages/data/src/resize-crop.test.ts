import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resizeAndCenterCrop } from './resize-crop.js';

/** An image whose left half is red and right half blue (or top/bottom when vertical). */
async function halves(width: number, height: number, vertical = false): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const first = vertical ? y < height / 2 : x < width / 2;
      data.set(first ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('resizeAndCenterCrop', () => {
  it.each([
    ['landscape', 300, 200],
    ['portrait', 200, 300],
    ['odd sizes', 333, 111],
    ['1×1', 1, 1],
    ['very wide', 1000, 10],
  ])('%s gives size×size RGB', async (_name, width, height) => {
    const out = await resizeAndCenterCrop(await halves(width, height), 32);
    expect([out.width, out.height, out.data.length]).toEqual([32, 32, 32 * 32 * 3]);
  });

  it('keeps the centre of a landscape image and the whole height', async () => {
    // 400×100 with red left half, blue right half: the central 100×100 crop
    // straddles the boundary, so its left half is red and right half blue.
    const out = await resizeAndCenterCrop(await halves(400, 100), 20);
    expect(pixel(out, 2, 10)).toEqual([255, 0, 0]);
    expect(pixel(out, 17, 10)).toEqual([0, 0, 255]);
  });

  it('keeps the centre of a portrait image', async () => {
    const out = await resizeAndCenterCrop(await halves(100, 400, true), 20);
    expect(pixel(out, 10, 2)).toEqual([255, 0, 0]);
    expect(pixel(out, 10, 17)).toEqual([0, 0, 255]);
  });

  it('turns grayscale and alpha into 3-channel RGB', async () => {
    const gray = await sharp({ create: { width: 10, height: 6, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .toColourspace('b-w').png().toBuffer();
    const g = await resizeAndCenterCrop(gray, 4);
    expect(pixel(g, 1, 1)).toEqual([90, 90, 90]);
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 1 } } }).png().toBuffer();
    expect(pixel(await resizeAndCenterCrop(rgba, 4), 0, 0)).toEqual([200, 10, 10]);
  });

  it('rejects what is not an image', async () => {
    await expect(resizeAndCenterCrop(Buffer.from('not an image'), 8)).rejects.toThrow();
    await expect(resizeAndCenterCrop(Buffer.alloc(0), 8)).rejects.toThrow();
  });
});
