// The preprocessing `alexnet predict` applies, read from a tfjs model folder (what `alexnet
// export --format tfjs` and `alexnet train`'s model/ hold) and applied to pixels in the browser.
// No DOM here: the page (classify.ts) decodes the image; the server (serve-page.ts) checks a
// folder with this same reader before it serves it.

/** How an image becomes the network's input, as the model was trained. */
export interface Preprocessing {
  /** Side of the stored training images: a picture is resized (shorter side) and center-cropped to size×size. */
  size: number;
  /** Side of the center view fed to the network. */
  crop: number;
  /** (pixel − mean) · scale. */
  scale: number;
  mean: 'image' | 'channel' | 'none';
  /** size×size×3 floats (HWC); read only for mean 'image'. */
  meanImage: Float32Array | undefined;
  /** stats.json's per-channel mean, subtracted for mean 'channel'. */
  channelMean: [number, number, number];
  /** The class folders' names, in the network's output order. */
  classes: string[];
  /** Human-readable names (synset words, or the classes when the dataset had none). */
  names: string[];
}

/** The files read beside model.json; the mean image is the one stats.json names. */
export const PREPROCESSING_FILES = { preprocessing: 'preprocessing.json', stats: 'stats.json' } as const;

/** What to do about a folder that has no preprocessing.json (a checkpoint, or model/ of an older `alexnet train`). */
export const EXPORT_HINT =
  "make a model folder with `alexnet export --checkpoint <dir> --format tfjs --out <folder>`, or use a run's model/ written by a current `alexnet train`";

type Fetch = (url: string) => Promise<Response>;

/** A folder's file, for messages: its path (decoded: a file: URL's path is percent-encoded). */
function shown(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
}

class FileError extends Error {
  constructor(url: URL, problem: string) {
    super(`${shown(url)}: ${problem}`);
  }
}

async function fetchOk(fetchFile: Fetch, url: URL, missing?: string): Promise<Response> {
  const response = await fetchFile(url.href);
  if (response.status === 404 && missing !== undefined) throw new FileError(url, missing);
  if (!response.ok) throw new FileError(url, `${response.status} ${response.statusText}`.trim());
  return response;
}

async function fetchJson(fetchFile: Fetch, url: URL, missing?: string): Promise<unknown> {
  const response = await fetchOk(fetchFile, url, missing);
  try {
    return await response.json();
  } catch {
    throw new FileError(url, 'not JSON');
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');
/** A file name inside the folder: no separators, not . or .. */
export const isPlainName = (value: unknown): value is string => typeof value === 'string' && /^[\w.-]{1,255}$/.test(value) && value !== '.' && value !== '..';

/**
 * Reads what inference needs from the folder of model.json (`base`, ending in /):
 * preprocessing.json (crop, scale, mean mode, classes, names — as `alexnet export
 * --format tfjs` writes it), stats.json (size, channelMean, the mean image's name) and,
 * for mean 'image', the mean image — the checks `alexnet predict` makes on them, with the
 * file named in every error.
 */
export async function readPreprocessing(base: URL, fetchFile: Fetch = (url) => fetch(url)): Promise<Preprocessing> {
  const preprocessingUrl = new URL(PREPROCESSING_FILES.preprocessing, base);
  const p = await fetchJson(
    fetchFile,
    preprocessingUrl,
    `not found: the folder of model.json does not say how to prepare images (a checkpoint, or model/ of an older \`alexnet train\`); ${EXPORT_HINT}`,
  );
  if (!isRecord(p)) throw new FileError(preprocessingUrl, 'not an object');
  const { crop, scale, mean, classes, names } = p;
  if (!isInteger(crop, 1, 4096)) throw new FileError(preprocessingUrl, `crop must be an integer from 1 to 4096, got ${String(crop)}`);
  if (!isFiniteNumber(scale) || scale <= 0) throw new FileError(preprocessingUrl, `scale must be a positive number, got ${String(scale)}`);
  if (mean !== 'image' && mean !== 'channel' && mean !== 'none')
    throw new FileError(preprocessingUrl, `mean must be image, channel or none, got ${String(mean)}`);
  if (!isStringArray(classes) || classes.length < 1) throw new FileError(preprocessingUrl, 'classes must be a list of names');
  if (!isStringArray(names) || names.length !== classes.length)
    throw new FileError(preprocessingUrl, `names must be a list of ${classes.length} names, one per class`);

  const statsUrl = new URL(PREPROCESSING_FILES.stats, base);
  const stats = await fetchJson(fetchFile, statsUrl);
  if (!isRecord(stats)) throw new FileError(statsUrl, 'not an object');
  const { size, channelMean, meanImage: meanFile } = stats;
  if (!isInteger(size, 1, 4096)) throw new FileError(statsUrl, `size must be an integer from 1 to 4096, got ${String(size)}`);
  if (crop > size) throw new FileError(preprocessingUrl, `crop ${crop} is larger than the images it was trained on (${size}×${size}, ${shown(statsUrl)})`);
  if (!Array.isArray(channelMean) || channelMean.length !== 3 || !channelMean.every(isFiniteNumber))
    throw new FileError(statsUrl, 'channelMean must be 3 numbers');

  // The mean image only when it is subtracted: 'channel' uses channelMean, 'none' nothing.
  let meanImage: Float32Array | undefined;
  if (mean === 'image') {
    if (!isPlainName(meanFile)) throw new FileError(statsUrl, 'meanImage must be a file name in its folder');
    const meanUrl = new URL(meanFile, base);
    const bytes = await (await fetchOk(fetchFile, meanUrl)).arrayBuffer();
    if (bytes.byteLength !== size * size * 3 * 4)
      throw new FileError(meanUrl, `${bytes.byteLength} bytes, expected ${size}×${size}×3 float32 (${size * size * 12})`);
    meanImage = new Float32Array(bytes);
    if (!meanImage.every(Number.isFinite)) throw new FileError(meanUrl, 'holds a value that is not finite');
  }
  return { size, crop, scale, mean, meanImage, channelMean: channelMean as [number, number, number], classes, names };
}

/** The centered square of a width×height picture that a shorter-side resize and center crop keep (sharp's fit: cover). */
export function coverSquare(width: number, height: number): { left: number; top: number; side: number } {
  const side = Math.min(width, height);
  return { left: (width - side) / 2, top: (height - side) / 2, side };
}

/** RGB bytes (HWC) from canvas RGBA, the alpha dropped (the canvas was filled black first: sharp's flatten). */
export function rgbOf(rgba: Uint8ClampedArray): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    rgb[o] = rgba[i]!;
    rgb[o + 1] = rgba[i + 1]!;
    rgb[o + 2] = rgba[i + 2]!;
  }
  return rgb;
}

/**
 * The network's input for one size×size RGB image: its center crop×crop view of
 * (pixel − mean) · scale — @alexnet/data's cropFlipInto over the whole image followed
 * by @alexnet/eval's centerCrop, with the same float operations in the same order, so
 * the values are bit for bit those `alexnet predict` feeds its network.
 */
export function normalizedCenterCrop(rgb: Uint8Array, p: Preprocessing): Float32Array {
  const { size, crop, scale } = p;
  if (rgb.length !== size * size * 3) throw new Error(`expected a ${size}×${size}×3 image (${size * size * 3} bytes), got ${rgb.length}`);
  const origin = Math.floor((size - crop) / 2);
  const meanImage = p.mean === 'image' ? p.meanImage : undefined;
  if (p.mean === 'image' && meanImage?.length !== rgb.length) throw new Error(`the mean image has ${meanImage?.length ?? 0} values, the image ${rgb.length}`);
  // cropFlipInto folds a per-channel mean into its shift: add = shift − mean, with shift 0.
  const channel = p.mean === 'channel' ? p.channelMean : [0, 0, 0];
  const add = [0 - channel[0]!, 0 - channel[1]!, 0 - channel[2]!];
  const out = new Float32Array(crop * crop * 3);
  let o = 0;
  for (let y = 0; y < crop; y++) {
    for (let x = 0, i = ((origin + y) * size + origin) * 3; x < crop; x++) {
      for (let c = 0; c < 3; c++, i++, o++) {
        out[o] = meanImage ? (rgb[i]! - meanImage[i]! + add[c]!) * scale : (rgb[i]! + add[c]!) * scale;
      }
    }
  }
  return out;
}

/** The k most probable classes, ties to the lower index (as `alexnet predict` orders them). */
export function topClasses(probabilities: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: probabilities.length }, (_, i) => i)
    .sort((a, b) => probabilities[b]! - probabilities[a]! || a - b)
    .slice(0, k);
}
