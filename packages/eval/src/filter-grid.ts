import type * as tf from '@tensorflow/tfjs';
import { loadSharp } from './sharp-loader.js';

/** Options for {@link filterGridPng}. */
export interface FilterGridOptions {
  /** Kernels per row. Default: 16 for 96 kernels (the paper's Figure 3 layout, 6 rows × 16), else ⌈√filters⌉. */
  columns?: number;
  /** Each kernel pixel becomes a `scale`×`scale` block (nearest neighbour; default 4: 11×11 → 44×44). */
  scale?: number;
  /** Background pixels between kernels and around the grid (default 1). */
  gap?: number;
  /** Background RGB (default white). */
  background?: readonly [number, number, number];
}

/** A rendered picture and its size. */
export interface RenderedPng {
  png: Buffer;
  width: number;
  height: number;
}

/**
 * The default grid width. For AlexNet's 96 conv1 kernels, 16 columns give the
 * paper's 6 × 16 picture, and since 48 = 3 × 16 the first column's (GPU 1's)
 * kernels fill the top three rows and the second column's the bottom three,
 * as in Figure 3's caption. Anything else gets a near-square ⌈√filters⌉.
 */
export function defaultFilterColumns(filters: number): number {
  return filters === 96 ? 16 : Math.ceil(Math.sqrt(filters));
}

/**
 * Figure 3 of the paper: the first convolutional layer's kernels as pictures.
 *
 * `kernel` is tfjs's conv2d filter layout [kh, kw, inChannels, filters] with
 * 3 input channels read as R, G, B (or 1, drawn gray). Each kernel is
 * contrast-normalised on its own — its minimum over all kh·kw·C values maps
 * to 0 and its maximum to 255, so sign and colour balance survive but scale
 * does not (a constant kernel is drawn mid-gray, 128). Kernels are laid out
 * row by row in kernel order, each upscaled by `scale`, with `gap` pixels of
 * background between and around them:
 *
 *   width  = columns · (kw·scale + gap) + gap
 *   height = rows    · (kh·scale + gap) + gap,   rows = ⌈filters / columns⌉
 *
 * For a model split into two columns, concatenate the halves on axis 3 first.
 * The kernel tensor is read, not disposed.
 */
export async function filterGridPng(kernel: tf.Tensor4D, options: FilterGridOptions = {}): Promise<RenderedPng> {
  const [kh, kw, channels, filters] = kernel.shape;
  if (channels !== 3 && channels !== 1) throw new Error(`expected 3 (RGB) or 1 input channels, got kernel shape [${kernel.shape.join(', ')}]`);
  const { columns = defaultFilterColumns(filters), scale = 4, gap = 1, background = [255, 255, 255] } = options;
  for (const [name, value, min] of [
    ['columns', columns, 1],
    ['scale', scale, 1],
    ['gap', gap, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
  const rows = Math.ceil(filters / columns);
  const cellWidth = kw * scale + gap;
  const cellHeight = kh * scale + gap;
  const width = columns * cellWidth + gap;
  const height = rows * cellHeight + gap;

  const values = await kernel.data();
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(background, i * 3);

  // values[((y·kw + x)·C + c)·filters + f]: filters vary fastest.
  const at = (y: number, x: number, c: number, f: number) => values[((y * kw + x) * channels + c) * filters + f]!;
  for (let f = 0; f < filters; f++) {
    let min = Infinity;
    let max = -Infinity;
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < channels; c++) {
          const v = at(y, x, c, f);
          if (v < min) min = v;
          if (v > max) max = v;
        }
    const range = max - min;
    const byte = (v: number) => (range > 0 ? Math.round(((v - min) / range) * 255) : 128);
    const left = gap + (f % columns) * cellWidth;
    const top = gap + Math.floor(f / columns) * cellHeight;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const rgb = channels === 3 ? [byte(at(y, x, 0, f)), byte(at(y, x, 1, f)), byte(at(y, x, 2, f))] : Array(3).fill(byte(at(y, x, 0, f)));
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) pixels.set(rgb, ((top + y * scale + dy) * width + left + x * scale + dx) * 3);
        }
      }
    }
  }
  const sharp = await loadSharp();
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return { png, width, height };
}
