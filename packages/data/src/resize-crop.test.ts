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
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
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
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const g = await resizeAndCenterCrop(gray, 4);
    expect(pixel(g, 1, 1)).toEqual([90, 90, 90]);
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 1 } } })
      .png()
      .toBuffer();
    expect(pixel(await resizeAndCenterCrop(rgba, 4), 0, 0)).toEqual([200, 10, 10]);
  });

  it('applies the EXIF orientation before cropping', async () => {
    // Orientation 6 = rotate 90° clockwise: the red left half of the stored pixels ends up on top.
    const stored = await sharp(await halves(40, 20))
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await resizeAndCenterCrop(stored, 20);
    expect(pixel(out, 10, 1)[0]).toBeGreaterThan(240);
    expect(pixel(out, 10, 18)[2]).toBeGreaterThan(240);
  });

  it('converts CMYK and 16-bit images to 8-bit sRGB', async () => {
    const red = { r: 200, g: 30, b: 60 };
    const cmyk = await sharp({ create: { width: 10, height: 10, channels: 3, background: red } })
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const [r, g, b] = pixel(await resizeAndCenterCrop(cmyk, 4), 1, 1);
    expect(r).toBeGreaterThan(180); // the round trip through CMYK moves colours a little
    expect(g).toBeLessThan(50);
    expect(b).toBeLessThan(80);
    const deep = new Uint16Array(10 * 10 * 3).map((_, i) => [200, 30, 60][i % 3]! * 257);
    const png16 = await sharp(deep, { raw: { width: 10, height: 10, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expect(pixel(await resizeAndCenterCrop(png16, 4), 1, 1)).toEqual([200, 30, 60]);
  });

  it('rejects what is not an image', async () => {
    await expect(resizeAndCenterCrop(Buffer.from('not an image'), 8)).rejects.toThrow();
    await expect(resizeAndCenterCrop(Buffer.alloc(0), 8)).rejects.toThrow();
  });
});
