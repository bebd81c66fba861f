import type { OverlayOptions } from 'sharp';
import { loadSharp, type SharpModule } from './sharp-loader.js';
import { CHAR_WIDTH, FONT_FAMILY, escapeXml, fitText } from './svg-text.js';

/** A square image as bytes, size×size×3 (RGB) or size×size (gray), row-major. */
export interface SheetImage {
  pixels: Uint8Array;
  size: number;
  label?: string;
}

/** A neighbour of the query and its distance in feature space. */
export interface SheetNeighbour extends SheetImage {
  distance: number;
}

/** Options for {@link contactSheetPng}. */
export interface ContactSheetOptions {
  /** Side of each thumbnail in pixels (default 96). */
  thumb?: number;
  /** Thumbnails per row (default: all in one row, the query then its neighbours, like a row of Figure 4). */
  columns?: number;
}

/** Border around each thumbnail; around the query it is drawn in {@link QUERY_COLOUR}. */
export const SHEET_PAD = 4;
/** Two caption lines (distance or "query", then the label) under each thumbnail. */
export const SHEET_CAPTION = 32;
export const QUERY_COLOUR = [220, 38, 38] as const;
const FONT_SIZE = 11;
const LINE_HEIGHT = 14;

/**
 * Figure 4 of the paper: a query image and the images whose feature vectors
 * lie nearest to it. The query comes first, framed in red; its neighbours
 * follow in the given order, each captioned with its distance (4 significant
 * digits) and label as SVG text rasterised by sharp (svg-text.ts: blank where
 * no font is installed). Each cell is (thumb + 2·4) wide and
 * (thumb + 2·4 + 32) tall; the sheet is columns cells wide and
 * ⌈(1 + neighbours) / columns⌉ cells tall. Thumbnails are the images resized
 * to `thumb` — nearest-neighbour for whole-number enlargements (so 28 px
 * Fashion-MNIST digits stay crisp), Lanczos otherwise, untouched when
 * size = thumb.
 */
export async function contactSheetPng(query: SheetImage, neighbours: readonly SheetNeighbour[], options: ContactSheetOptions = {}): Promise<Buffer> {
  const count = 1 + neighbours.length;
  const { thumb = 96, columns = count } = options;
  if (!Number.isInteger(thumb) || thumb < 1) throw new Error(`thumb must be a positive integer, got ${thumb}`);
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`columns must be a positive integer, got ${columns}`);
  const sharp = await loadSharp();
  const cellWidth = thumb + 2 * SHEET_PAD;
  const cellHeight = cellWidth + SHEET_CAPTION;
  const width = columns * cellWidth;
  const height = Math.ceil(count / columns) * cellHeight;

  const entries = [{ image: query, caption: 'query' }, ...neighbours.map((n) => ({ image: n as SheetImage, caption: `d = ${formatDistance(n.distance)}` }))];
  const layers: OverlayOptions[] = [];
  const texts: string[] = [];
  const maxChars = Math.floor(cellWidth / (FONT_SIZE * CHAR_WIDTH));
  for (const [i, { image, caption }] of entries.entries()) {
    const left = (i % columns) * cellWidth;
    const top = Math.floor(i / columns) * cellHeight;
    if (i === 0) layers.push({ input: solid(cellWidth, cellWidth, QUERY_COLOUR), raw: { width: cellWidth, height: cellWidth, channels: 3 }, left, top });
    layers.push({
      input: await thumbnail(sharp, image, thumb, i),
      raw: { width: thumb, height: thumb, channels: 3 },
      left: left + SHEET_PAD,
      top: top + SHEET_PAD,
    });
    const lines = image.label === undefined ? [caption] : [caption, image.label];
    lines.forEach((line, j) => {
      const y = top + cellWidth + (j + 1) * LINE_HEIGHT - 2;
      texts.push(`<text x="${left + cellWidth / 2}" y="${y}" text-anchor="middle">${escapeXml(fitText(line, maxChars))}</text>`);
    });
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" fill="#000">${texts.join('')}</g></svg>`;
  layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(layers)
    .png()
    .toBuffer();
}

/** A distance in 4 significant digits, without trailing zeros: 12.3456 → "12.35", 0.5 → "0.5". */
export function formatDistance(distance: number): string {
  return Number.isFinite(distance) ? String(Number(distance.toPrecision(4))) : String(distance);
}

async function thumbnail(sharp: SharpModule, { pixels, size }: SheetImage, thumb: number, index: number): Promise<Buffer> {
  const channels = pixels.length === size * size * 3 ? 3 : pixels.length === size * size ? 1 : 0;
  if (!Number.isInteger(size) || size < 1 || channels === 0) {
    throw new Error(
      `image ${index} (${index === 0 ? 'the query' : `neighbour ${index - 1}`}): ${pixels.length} bytes are not ${size}×${size}×3 or ${size}×${size}`,
    );
  }
  // Gray to RGB here, so every layer composited onto the sheet has three channels.
  const rgb = channels === 3 ? Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength) : Buffer.from(Array.from(pixels).flatMap((v) => [v, v, v]));
  if (size === thumb) return rgb;
  const kernel = thumb % size === 0 ? 'nearest' : 'lanczos3';
  return sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
    .resize(thumb, thumb, { kernel, fit: 'fill' })
    .raw()
    .toBuffer();
}

function solid(width: number, height: number, rgb: readonly number[]): Buffer {
  const buffer = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) buffer.set(rgb, i * 3);
  return buffer;
}
