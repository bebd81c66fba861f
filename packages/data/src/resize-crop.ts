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

/** A file cut short, told from its own bytes (the decoder's message can be lost under concurrency: "Unknown error"). */
function truncation(bytes: Buffer): string | undefined {
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isJpeg && bytes.lastIndexOf(Buffer.from([0xff, 0xd9])) < 0) return 'truncated: JPEG without its end-of-image marker';
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  if (isPng && bytes.lastIndexOf(Buffer.from('IEND', 'latin1')) < 0) return 'truncated: PNG without its IEND chunk';
  return undefined;
}

/**
 * Why an input could not be used, in a few words: the decoder's first line,
 * classified; a truncated JPEG or PNG is recognised from its bytes when the
 * input is given.
 */
export function rejectionReason(error: unknown, input?: DecodeInput): string {
  const message = String((error as Error)?.message ?? error).split('\n')[0]!;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT' || code === 'EIO') return `unreadable (${code}): ${message}`;
  if (/: not a regular file$/.test(message)) return 'not a regular file';
  if (/: \d+ bytes, more than the \d+ allowed$/.test(message)) return `too large: ${message}`;
  if (/Input Buffer is empty/i.test(message)) return 'empty file';
  if (/unsupported image format/i.test(message)) return 'not an image (unsupported format)';
  if (/pixel limit/i.test(message)) return `too many pixels (decompression bomb guard): ${message}`;
  const cut = Buffer.isBuffer(input) ? truncation(input) : undefined;
  if (cut) return cut;
  if (/premature end|end of stream|truncated/i.test(message)) return `truncated: ${message}`;
  return `cannot decode: ${message}`;
}
