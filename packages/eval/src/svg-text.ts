/**
 * Text for SVG overlays that sharp rasterises with librsvg (fonts through
 * fontconfig). Where no font is installed librsvg draws nothing for a
 * `<text>` element and does not fail, so pictures stay valid, only unlabelled.
 */

/** DejaVu first: it is what Debian-like systems have; any sans-serif otherwise. */
export const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** Rough advance width of a character, as a fraction of the font size (DejaVu Sans averages ~0.6). */
export const CHAR_WIDTH = 0.62;

export { escapeXml } from './text-escaping.js';

/** Shortens `text` to at most `maxChars` characters, marking the cut with an ellipsis. */
export function fitText(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  return maxChars <= 1 ? chars.slice(0, Math.max(0, maxChars)).join('') : `${chars.slice(0, maxChars - 1).join('')}…`;
}
