import { classLabels, type ConfusionMatrix } from './confusion-matrix.js';
import { loadSharp } from './sharp-loader.js';
import { CHAR_WIDTH, FONT_FAMILY, escapeXml } from './svg-text.js';

/** Options for {@link confusionHeatmapPng}. */
export interface HeatmapOptions {
  /**
   * Side of one cell in pixels. Default 16, lowered to ⌊4096 / classes⌋ (at
   * least 1) so the matrix stays within ~4096 px: ImageNet's 1000 classes get
   * 4-px cells, a 4000×4000 picture, rather than 16000×16000.
   */
  cell?: number;
}

/** Colour of a row-normalised value in [0, 1]: white (0) to dark blue (1), linear per channel. */
const LOW = [255, 255, 255] as const;
const HIGH = [8, 48, 107] as const;
/** Smallest cell that gets class-name labels; below it they would overlap. */
const MIN_LABELLED_CELL = 8;
const MAX_DEFAULT_SIDE = 4096;
const LABEL_PAD = 4;

/**
 * A confusion matrix, row-normalised, as a PNG heatmap, white (0) to dark blue (1),
 * one `cell`×`cell` square per entry, rows = true classes top to bottom,
 * columns = predictions left to right. Without class names the picture is
 * exactly (classes·cell)² pixels; with names (and cell ≥ 8) a left margin
 * holds the true-class names and a top margin the predicted-class names
 * written upwards, both as SVG text rasterised by sharp (see svg-text.ts).
 */
export async function confusionHeatmapPng(
  matrix: ConfusionMatrix,
  classNames?: readonly string[],
  { cell = defaultCell(matrix.classes) }: HeatmapOptions = {},
): Promise<Buffer> {
  if (!Number.isInteger(cell) || cell < 1) throw new Error(`cell must be a positive integer, got ${cell}`);
  const sharp = await loadSharp();
  const n = matrix.classes;
  const side = n * cell;
  const pixels = Buffer.alloc(side * side * 3);
  matrix.rowNormalized().forEach((row, t) =>
    row.forEach((value, p) => {
      const colour = LOW.map((low, c) => Math.round(low + value * (HIGH[c]! - low)));
      for (let y = t * cell; y < (t + 1) * cell; y++) {
        for (let x = p * cell; x < (p + 1) * cell; x++) pixels.set(colour, (y * side + x) * 3);
      }
    }),
  );
  const picture = { input: pixels, raw: { width: side, height: side, channels: 3 as const } };
  if (!classNames || cell < MIN_LABELLED_CELL) return sharp(picture.input, { raw: picture.raw }).png().toBuffer();

  const names = classLabels(matrix.classes, classNames);
  const fontSize = Math.min(12, cell - 2);
  const margin = Math.ceil(Math.max(...names.map((name) => Array.from(name).length)) * fontSize * CHAR_WIDTH) + 2 * LABEL_PAD;
  const width = margin + side;
  const texts = names.flatMap((name, i) => {
    const middle = margin + i * cell + cell / 2 + fontSize * 0.35; // 0.35 em: baseline offset that centres the glyphs
    const text = escapeXml(name);
    return [
      `<text x="${margin - LABEL_PAD}" y="${middle}" text-anchor="end">${text}</text>`,
      `<text transform="translate(${middle} ${margin - LABEL_PAD}) rotate(-90)">${text}</text>`,
    ];
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${width}"><g font-family="${FONT_FAMILY}" font-size="${fontSize}" fill="#000">${texts.join('')}</g></svg>`;
  return sharp({ create: { width, height: width, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([
      { ...picture, left: margin, top: margin },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
}

function defaultCell(classes: number): number {
  return Math.max(1, Math.min(16, Math.floor(MAX_DEFAULT_SIDE / classes)));
}
