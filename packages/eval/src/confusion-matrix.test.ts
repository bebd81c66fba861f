import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from './confusion-matrix.js';

/** Three classes; true 0 → predicted 0,0,1; true 1 → 1,2; true 2 → 2,2,2,0. */
function example(): ConfusionMatrix {
  const matrix = new ConfusionMatrix(3);
  matrix.add([0, 0, 1, 1], [0, 0, 0, 1]);
  matrix.add([2, 2, 2, 2, 0], [1, 2, 2, 2, 2]);
  return matrix;
}

/** Whether librsvg draws text here (it needs a font through fontconfig; without one, text is silently blank). */
async function fontsRender(): Promise<boolean> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="16" font-size="16">Hg</text></svg>`;
  const { data } = await sharp(Buffer.from(svg)).extractChannel('alpha').raw().toBuffer({ resolveWithObject: true });
  return data.some((a) => a > 128);
}
const canDrawText = await fontsRender();

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  return { info, at, data };
}

describe('ConfusionMatrix', () => {
  it('counts rows = true class, columns = prediction, streamed over batches', () => {
    const matrix = example();
    expect(matrix.counts).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 3],
    ]);
    expect(matrix.total).toBe(9);
  });

  it('gives per-class accuracy (NaN for a class never seen)', () => {
    expect(example().perClassAccuracy()).toEqual([2 / 3, 1 / 2, 3 / 4]);
    const unseen = new ConfusionMatrix(2);
    unseen.add([0], [0]);
    expect(unseen.perClassAccuracy()).toEqual([1, Number.NaN]);
    expect(unseen.rowNormalized()).toEqual([
      [1, 0],
      [0, 0],
    ]);
  });

  it('refuses out-of-range classes and leaves the counts untouched', () => {
    const matrix = example();
    expect(() => matrix.add([0, 3], [0, 0])).toThrow(/prediction 1 is 3/);
    expect(() => matrix.add([0], [-1])).toThrow(/label 0 is -1/);
    expect(() => matrix.add([0], [0, 1])).toThrow(/1 predictions for 2 labels/);
    expect(matrix.total).toBe(9);
  });

  it('writes CSV with predicted names across and true names down', () => {
    expect(example().toCsv(['cat', 'dog, big', 'say "hi"'])).toBe(
      ['true\\predicted,cat,"dog, big","say ""hi"""', 'cat,2,1,0', '"dog, big",0,1,1', '"say ""hi""",1,0,3', ''].join('\n'),
    );
    expect(example().toCsv()).toBe('true\\predicted,0,1,2\n0,2,1,0\n1,0,1,1\n2,1,0,3\n');
    expect(() => example().toCsv(['a'])).toThrow(/1 class names for 3 classes/);
  });

  it('renders a row-normalised heatmap of (classes·cell)² pixels without names', async () => {
    const matrix = new ConfusionMatrix(2);
    matrix.add([0, 0, 0, 1], [0, 0, 1, 1]); // rows: [1, 0] and [0.5, 0.5]
    const { info, at } = await decode(await matrix.heatmapPng(undefined, { cell: 5 }));
    expect([info.width, info.height]).toEqual([10, 10]);
    expect(at(2, 2)).toEqual([8, 48, 107]); // 1 → dark blue
    expect(at(7, 4)).toEqual([255, 255, 255]); // 0 → white
    const half = [Math.round(255 - 0.5 * 247), Math.round(255 - 0.5 * 207), Math.round(255 - 0.5 * 148)];
    expect(at(0, 5)).toEqual(half);
    expect(at(9, 9)).toEqual(half);
  });

  it('shrinks the default cell so large matrices stay near 4096 px', async () => {
    expect((await decode(await example().heatmapPng())).info.width).toBe(3 * 16);
    const imagenet = new ConfusionMatrix(1000);
    imagenet.add([1], [0]);
    const { info, at } = await decode(await imagenet.heatmapPng(Array.from({ length: 1000 }, (_, i) => `n${i}`)));
    // ⌊4096 / 1000⌋ = 4 px cells; names are left out below 8 px.
    expect([info.width, info.height]).toEqual([4000, 4000]);
    expect(at(4, 0)).toEqual([8, 48, 107]);
  });

  it('adds name margins on the left and top when given names', async () => {
    const cell = 16;
    const { info, at } = await decode(await example().heatmapPng(['cat', 'dog', 'bird'], { cell }));
    expect(info.width).toBe(info.height);
    const margin = info.width - 3 * cell;
    // 4 characters at 12 px · 0.62, plus 4 px either side.
    expect(margin).toBe(Math.ceil(4 * 12 * 0.62) + 8);
    expect(at(margin + 3 * cell - 1, margin + 3 * cell - 1)).toEqual([
      Math.round(255 - 0.75 * 247),
      Math.round(255 - 0.75 * 207),
      Math.round(255 - 0.75 * 148),
    ]);
    expect(at(margin, margin)).toEqual(at(margin + cell - 1, margin + cell - 1));
  });

  it.skipIf(!canDrawText)('writes the names into the margins', async () => {
    const cell = 16;
    const { info, data } = await decode(await example().heatmapPng(['cat', 'dog', 'bird'], { cell }));
    const margin = info.width - 3 * cell;
    const darkIn = (x0: number, y0: number, x1: number, y1: number) => {
      let dark = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (data[(y * info.width + x) * info.channels]! < 128) dark++;
      return dark;
    };
    expect(darkIn(0, margin, margin, info.height)).toBeGreaterThan(0); // true names, left
    expect(darkIn(margin, 0, info.width, margin)).toBeGreaterThan(0); // predicted names, top
    expect(darkIn(0, 0, margin, margin)).toBe(0); // the corner stays empty
  });
});
