import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultFilterColumns, filterGridPng } from './filter-grid.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  return { info, at };
}

/** A [2, 2, 3, filters] kernel from per-filter [y][x][rgb] values. */
function kernelOf(filters: number[][][][]): tf.Tensor4D {
  const values: number[] = [];
  for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let c = 0; c < 3; c++) for (const f of filters) values.push(f[y]![x]![c]!);
  return tf.tensor4d(values, [2, 2, 3, filters.length]);
}

describe('filterGridPng', () => {
  // Filter 0 spans −1 … 1: −1 → 0, 0 → 128 (127.5 rounded), 1 → 255, 0.5 → 191 (191.25).
  const ramp = [
    [
      [-1, 0, 1],
      [0.5, 0.5, 0.5],
    ],
    [
      [1, 1, 1],
      [-1, -1, -1],
    ],
  ];
  const constant = [
    [
      [3, 3, 3],
      [3, 3, 3],
    ],
    [
      [3, 3, 3],
      [3, 3, 3],
    ],
  ];
  // Filter 2 spans 10 … 20: normalised on its own, not with the others.
  const small = [
    [
      [10, 20, 15],
      [10, 10, 10],
    ],
    [
      [20, 20, 20],
      [12, 12, 12],
    ],
  ];

  it('normalises each kernel on its own and draws it upscaled at its grid cell', async () => {
    const kernel = kernelOf([ramp, constant, small]);
    const { png, width, height } = await filterGridPng(kernel, { columns: 2, scale: 3, gap: 2, background: [0, 0, 255] });
    expect(kernel.isDisposed).toBe(false);
    // width = 2·(2·3 + 2) + 2 = 18; height = 2 rows · 8 + 2 = 18.
    expect([width, height]).toEqual([18, 18]);
    const { info, at } = await decode(png);
    expect([info.width, info.height]).toEqual([18, 18]);
    // Filter 0 at (2, 2): kernel pixel (y, x) covers 3×3 screen pixels from (2 + 3x, 2 + 3y).
    for (const [dx, dy] of [
      [0, 0],
      [2, 2],
    ])
      expect(at(2 + dx!, 2 + dy!)).toEqual([0, 128, 255]);
    expect(at(5, 2)).toEqual([191, 191, 191]);
    expect(at(2, 5)).toEqual([255, 255, 255]);
    expect(at(7, 7)).toEqual([0, 0, 0]);
    // Filter 1 (constant) at (10, 2): mid-gray.
    expect(at(10, 2)).toEqual([128, 128, 128]);
    expect(at(15, 7)).toEqual([128, 128, 128]);
    // Filter 2 on the second row at (2, 10): 10 → 0, 20 → 255, 15 → 128, 12 → 51.
    expect(at(2, 10)).toEqual([0, 255, 128]);
    expect(at(7, 15)).toEqual([51, 51, 51]);
    // Gaps, the border and the empty fourth cell are background.
    for (const [x, y] of [
      [0, 0],
      [8, 4],
      [9, 4],
      [4, 8],
      [17, 17],
      [12, 12],
    ])
      expect(at(x!, y!)).toEqual([0, 0, 255]);
    kernel.dispose();
  });

  it('draws a one-channel kernel in gray', async () => {
    const kernel = tf.tensor4d([0, 1, 2, 4], [2, 2, 1, 1]);
    const { png } = await filterGridPng(kernel, { scale: 1, gap: 0 });
    const { info, at } = await decode(png);
    expect([info.width, info.height]).toEqual([2, 2]);
    expect([at(0, 0), at(1, 0), at(0, 1), at(1, 1)]).toEqual([
      [0, 0, 0],
      [64, 64, 64],
      [128, 128, 128],
      [255, 255, 255],
    ]);
    kernel.dispose();
  });

  it("lays AlexNet's 96 conv1 kernels out 6 × 16 with the default scale and gap", async () => {
    expect(defaultFilterColumns(96)).toBe(16);
    expect(defaultFilterColumns(10)).toBe(4);
    expect(defaultFilterColumns(64)).toBe(8);
    const kernel = tf.randomNormal([11, 11, 3, 96], 0, 0.01, 'float32', 1) as tf.Tensor4D;
    const { png, width, height } = await filterGridPng(kernel);
    // 16 · (11·4 + 1) + 1 = 721; 6 · 45 + 1 = 271.
    expect([width, height]).toEqual([721, 271]);
    const { info } = await decode(png);
    expect([info.width, info.height, info.channels]).toEqual([721, 271, 3]);
    kernel.dispose();
  });

  it('refuses kernels that are not RGB or gray, and bad layout options', async () => {
    const kernel = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    await expect(filterGridPng(kernel)).rejects.toThrow(/3 \(RGB\) or 1 input channels/);
    const rgb = tf.zeros([3, 3, 3, 4]) as tf.Tensor4D;
    await expect(filterGridPng(rgb, { scale: 0 })).rejects.toThrow(/scale must be an integer ≥ 1/);
    tf.dispose([kernel, rgb]);
  });
});
