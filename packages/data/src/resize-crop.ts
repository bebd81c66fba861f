import sharp from 'sharp';

/** An RGB image as bytes, row-major, channels last. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Undecoded pixels, channels last (array datasets such as Fashion-MNIST and CIFAR-10). */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A file path, the bytes of an encoded image, or raw pixels. */
export type DecodeInput = string | Buffer | RawPixels;

function sharpInput(input: DecodeInput): sharp.Sharp {
  // failOn 'error' refuses truncated files; the pixel limit guards against decompression bombs.
  if (typeof input === 'string' || Buffer.isBuffer(input)) return sharp(input, { failOn: 'error' });
  const { data, width, height, channels } = input;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
}

/**
 * The paper's preprocessing (§2): decode, apply the EXIF orientation, convert
 * to 3-channel sRGB (alpha flattened onto black, grayscale and CMYK
 * converted, 16-bit reduced to 8), resize the shorter side to `size`, and
 * take the central `size`×`size` crop.
 */
export async function resizeAndCenterCrop(input: DecodeInput, size: number): Promise<RgbImage> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`size must be a positive integer, got ${size}`);
  const { data, info } = await sharpInput(input)
    .rotate()
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .toColourspace('srgb')
    .resize(size, size, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new Error(`unexpected decoded shape ${info.width}×${info.height}×${info.channels}`);
  }
  return { width: size, height: size, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Why an input could not be used, in a few words (the first line of the decoder's message). */
export function rejectionReason(error: unknown): string {
  const message = String((error as Error)?.message ?? error).split('\n')[0]!;
  if (/Input Buffer is empty/i.test(message)) return 'empty file';
  if (/unsupported image format/i.test(message)) return 'not an image (unsupported format)';
  if (/pixel limit/i.test(message)) return `too many pixels (decompression bomb guard): ${message}`;
  if (/premature end|end of stream|truncated/i.test(message)) return `truncated: ${message}`;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT' || code === 'EIO') return `unreadable (${code}): ${message}`;
  return `cannot decode: ${message}`;
}
