import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { confusionHeatmapPng } from './confusion-heatmap.js';
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

describe('confusionHeatmapPng', () => {
  it('renders a row-normalised heatmap of (classes·cell)² pixels without names', async () => {
    const matrix = new ConfusionMatrix(2);
    matrix.add([0, 0, 0, 1], [0, 0, 1, 1]); // rows: [1, 0] and [0.5, 0.5]
    const { info, at } = await decode(await confusionHeatmapPng(matrix, undefined, { cell: 5 }));
    expect([info.width, info.height]).toEqual([10, 10]);
    expect(at(2, 2)).toEqual([8, 48, 107]); // 1 → dark blue
    expect(at(7, 4)).toEqual([255, 255, 255]); // 0 → white
    const half = [Math.round(255 - 0.5 * 247), Math.round(255 - 0.5 * 207), Math.round(255 - 0.5 * 148)];
    expect(at(0, 5)).toEqual(half);
    expect(at(9, 9)).toEqual(half);
  });

  it('shrinks the default cell so large matrices stay near 4096 px', async () => {
    expect((await decode(await confusionHeatmapPng(example()))).info.width).toBe(3 * 16);
    const imagenet = new ConfusionMatrix(1000);
    imagenet.add([1], [0]);
    const { info, at } = await decode(
      await confusionHeatmapPng(
        imagenet,
        Array.from({ length: 1000 }, (_, i) => `n${i}`),
      ),
    );
    // ⌊4096 / 1000⌋ = 4 px cells; names are left out below 8 px.
    expect([info.width, info.height]).toEqual([4000, 4000]);
    expect(at(4, 0)).toEqual([8, 48, 107]);
  });

  it('adds name margins on the left and top when given names', async () => {
    const cell = 16;
    const { info, at } = await decode(await confusionHeatmapPng(example(), ['cat', 'dog', 'bird'], { cell }));
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
    const { info, data } = await decode(await confusionHeatmapPng(example(), ['cat', 'dog', 'bird'], { cell }));
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
