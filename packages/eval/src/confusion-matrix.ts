import sharp from 'sharp';
import { CHAR_WIDTH, FONT_FAMILY, escapeXml } from './svg-text.js';
import { csvField } from './text-escaping.js';

/** Options for {@link ConfusionMatrix.heatmapPng}. */
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
 * A confusion matrix streamed over batches: `counts[t][p]` is how many
 * examples of true class `t` were predicted as class `p` (row = true class,
 * column = prediction), so the diagonal holds the hits.
 */
export class ConfusionMatrix {
  private readonly cells: Float64Array;

  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1) throw new Error(`classes must be a positive integer, got ${classes}`);
    this.cells = new Float64Array(classes * classes);
  }

  /** Counts one batch of predicted classes against its true labels. */
  add(predicted: ArrayLike<number>, labels: ArrayLike<number>): void {
    if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`);
    // Check the whole batch first so a bad entry leaves the counts untouched.
    for (let i = 0; i < labels.length; i++) {
      this.checkClass(labels[i]!, `label ${i}`);
      this.checkClass(predicted[i]!, `prediction ${i}`);
    }
    for (let i = 0; i < labels.length; i++) this.cells[labels[i]! * this.classes + predicted[i]!]!++;
  }

  /** A copy of the counts, `[true class][predicted class]`. */
  get counts(): number[][] {
    return Array.from({ length: this.classes }, (_, t) => Array.from(this.cells.subarray(t * this.classes, (t + 1) * this.classes)));
  }

  /** How many examples were added. */
  get total(): number {
    return this.cells.reduce((sum, n) => sum + n, 0);
  }

  /** Each true class's fraction predicted correctly (recall); NaN for a class with no examples. */
  perClassAccuracy(): number[] {
    return this.counts.map((row, t) => row[t]! / row.reduce((sum, n) => sum + n, 0));
  }

  /** Each row divided by its sum (a class with no examples stays all zero). */
  rowNormalized(): number[][] {
    return this.counts.map((row) => {
      const sum = row.reduce((s, n) => s + n, 0);
      return row.map((n) => (sum === 0 ? 0 : n / sum));
    });
  }

  /**
   * The counts as CSV (RFC 4180 quoting, `\n` line ends): a header row
   * `true\predicted,<predicted names…>`, then one row per true class
   * starting with its name. Names default to the class indices.
   */
  toCsv(classNames?: readonly string[]): string {
    const names = this.names(classNames);
    const lines = [['true\\predicted', ...names], ...this.counts.map((row, t) => [names[t]!, ...row.map(String)])];
    return lines.map((fields) => fields.map(csvField).join(',')).join('\n') + '\n';
  }

  /**
   * The row-normalised matrix as a PNG heatmap, white (0) to dark blue (1),
   * one `cell`×`cell` square per entry, rows = true classes top to bottom,
   * columns = predictions left to right. Without class names the picture is
   * exactly (classes·cell)² pixels; with names (and cell ≥ 8) a left margin
   * holds the true-class names and a top margin the predicted-class names
   * written upwards, both as SVG text rasterised by sharp (see svg-text.ts).
   */
  async heatmapPng(classNames?: readonly string[], { cell = defaultCell(this.classes) }: HeatmapOptions = {}): Promise<Buffer> {
    if (!Number.isInteger(cell) || cell < 1) throw new Error(`cell must be a positive integer, got ${cell}`);
    const n = this.classes;
    const side = n * cell;
    const pixels = Buffer.alloc(side * side * 3);
    this.rowNormalized().forEach((row, t) =>
      row.forEach((value, p) => {
        const colour = LOW.map((low, c) => Math.round(low + value * (HIGH[c]! - low)));
        for (let y = t * cell; y < (t + 1) * cell; y++) {
          for (let x = p * cell; x < (p + 1) * cell; x++) pixels.set(colour, (y * side + x) * 3);
        }
      }),
    );
    const matrix = { input: pixels, raw: { width: side, height: side, channels: 3 as const } };
    if (!classNames || cell < MIN_LABELLED_CELL) return sharp(matrix.input, { raw: matrix.raw }).png().toBuffer();

    const names = this.names(classNames);
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
        { ...matrix, left: margin, top: margin },
        { input: Buffer.from(svg), left: 0, top: 0 },
      ])
      .png()
      .toBuffer();
  }

  private names(classNames: readonly string[] | undefined): string[] {
    if (classNames && classNames.length !== this.classes) throw new Error(`${classNames.length} class names for ${this.classes} classes`);
    return classNames ? [...classNames] : Array.from({ length: this.classes }, (_, i) => String(i));
  }

  private checkClass(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value >= this.classes) throw new Error(`${what} is ${value}, not a class in [0, ${this.classes})`);
  }
}

function defaultCell(classes: number): number {
  return Math.max(1, Math.min(16, Math.floor(MAX_DEFAULT_SIDE / classes)));
}
