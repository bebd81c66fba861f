import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { contactSheetPng, formatDistance, QUERY_COLOUR, SHEET_CAPTION, SHEET_PAD } from './contact-sheet.js';

/** Whether librsvg draws text here (it needs a font through fontconfig; without one, text is silently blank). */
async function fontsRender(): Promise<boolean> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="16" font-size="16">Hg</text></svg>`;
  const { data } = await sharp(Buffer.from(svg)).extractChannel('alpha').raw().toBuffer({ resolveWithObject: true });
  return data.some((a) => a > 128);
}
const canDrawText = await fontsRender();

/** An RGB image whose pixel (x, y) is (x·16 + seed, y·16, 200 − seed). */
function image(size: number, seed: number): Uint8Array {
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) pixels.set([x * 16 + seed, y * 16, 200 - seed], (y * size + x) * 3);
  return pixels;
}

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  return { info, at, data };
}

describe('contactSheetPng', () => {
  const thumb = 8;
  const cell = thumb + 2 * SHEET_PAD;
  const query = { pixels: image(thumb, 0), size: thumb, label: 'query-class' };
  const neighbours = [1, 2, 3, 4].map((i) => ({ pixels: image(thumb, i * 10), size: thumb, distance: i * 1.5, label: `n${i}` }));

  it('sizes the sheet as columns × rows of (thumb + 8) × (thumb + 8 + 32) cells', async () => {
    const oneRow = await decode(await contactSheetPng(query, neighbours, { thumb }));
    expect([oneRow.info.width, oneRow.info.height]).toEqual([5 * cell, cell + SHEET_CAPTION]);
    const grid = await decode(await contactSheetPng(query, neighbours, { thumb, columns: 2 }));
    expect([grid.info.width, grid.info.height]).toEqual([2 * cell, 3 * (cell + SHEET_CAPTION)]);
    const alone = await decode(await contactSheetPng(query, [], {}));
    expect([alone.info.width, alone.info.height]).toEqual([96 + 8, 96 + 8 + 32]);
  });

  it('puts the query first, framed, with its pixels unchanged, and neighbours in order', async () => {
    const { at } = await decode(await contactSheetPng(query, neighbours, { thumb, columns: 2 }));
    for (let y = 0; y < thumb; y++) {
      for (let x = 0; x < thumb; x++) expect(at(SHEET_PAD + x, SHEET_PAD + y)).toEqual([x * 16, y * 16, 200]);
    }
    expect(at(0, 0)).toEqual([...QUERY_COLOUR]);
    expect(at(cell - 1, cell - 1)).toEqual([...QUERY_COLOUR]);
    // Neighbour 2 (index 2 on the sheet) opens the second row; neighbours are not framed.
    const top = cell + SHEET_CAPTION;
    expect(at(SHEET_PAD + 3, top + SHEET_PAD + 5)).toEqual([3 * 16 + 20, 5 * 16, 180]);
    expect(at(cell, 0)).toEqual([255, 255, 255]);
  });

  it('enlarges by whole factors with nearest neighbour and takes gray images', async () => {
    const gray = { pixels: Uint8Array.from([0, 50, 100, 150]), size: 2 };
    const { at } = await decode(await contactSheetPng(gray, [], { thumb: 4 }));
    // Each source pixel becomes a 2×2 block.
    expect([at(SHEET_PAD, SHEET_PAD), at(SHEET_PAD + 1, SHEET_PAD + 1), at(SHEET_PAD + 2, SHEET_PAD), at(SHEET_PAD + 3, SHEET_PAD + 3)]).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [50, 50, 50],
      [150, 150, 150],
    ]);
  });

  it('names the image whose bytes do not match its size', async () => {
    const bad = { pixels: new Uint8Array(10), size: 3, distance: 1 };
    await expect(contactSheetPng(query, [neighbours[0]!, bad], { thumb })).rejects.toThrow(/image 2 \(neighbour 1\): 10 bytes/);
  });

  it('formats distances in four significant digits', () => {
    expect([12.3456, 0.5, 1234.56, 0.000123456, 0].map(formatDistance)).toEqual(['12.35', '0.5', '1235', '0.0001235', '0']);
  });

  it.skipIf(!canDrawText)('prints captions under every thumbnail', async () => {
    const { info, data } = await decode(await contactSheetPng(query, neighbours, { thumb: 48 }));
    const wide = 48 + 2 * SHEET_PAD;
    for (let i = 0; i < 5; i++) {
      let dark = 0;
      for (let y = wide; y < info.height; y++) for (let x = i * wide; x < (i + 1) * wide; x++) if (data[(y * info.width + x) * info.channels]! < 128) dark++;
      expect(dark, `caption ${i}`).toBeGreaterThan(0);
    }
  });
});
