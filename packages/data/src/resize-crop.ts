import sharp from 'sharp';

/** An RGB image as bytes, row-major, channels last. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The paper's preprocessing (§2): decode, apply the EXIF orientation, convert
 * to 3-channel sRGB (alpha flattened onto black, grayscale and CMYK
 * converted, 16-bit reduced to 8), resize the shorter side to `size`, and
 * take the central `size`×`size` crop.
 */
export async function resizeAndCenterCrop(input: string | Buffer, size: number): Promise<RgbImage> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`size must be a positive integer, got ${size}`);
  const { data, info } = await sharp(input, { failOn: 'error' })
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
