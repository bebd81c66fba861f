// The preprocessing `alexnet predict` applies, read from the files a checkpoint carries and
// applied to pixels in the browser. No DOM here: the page (classify.ts) decodes the image.

/** How an image becomes the network's input, as the model was trained. */
export interface Preprocessing {
  /** Side of the stored training images: a picture is resized (shorter side) and center-cropped to size×size. */
  size: number;
  /** Side of the center view fed to the network. */
  crop: number;
  /** (pixel − mean) · scale. */
  scale: number;
  mean: 'image' | 'channel' | 'none';
  /** size×size×3 floats (HWC), for mean 'image'. */
  meanImage: Float32Array;
  channelMean: [number, number, number];
  /** The class folders' names, in the network's output order. */
  classes: string[];
  /** Human-readable names (synset words) when the dataset had them, else the classes. */
  names: string[];
}

/** The files read beside model.json: every checkpoint carries them; a run's model/ folder does not (see README). */
export const PREPROCESSING_FILES = { state: 'state.json', stats: 'stats.json', classNames: 'class-names.json' } as const;

type Fetch = (url: string) => Promise<Response>;

class FileError extends Error {
  constructor(url: URL, problem: string) {
    super(`${url.pathname}: ${problem}`);
  }
}

async function fetchOk(fetchFile: Fetch, url: URL): Promise<Response> {
  const response = await fetchFile(url.href);
  if (!response.ok) throw new FileError(url, `${response.status} ${response.statusText}`.trim());
  return response;
}

async function fetchJson(fetchFile: Fetch, url: URL): Promise<unknown> {
  const response = await fetchOk(fetchFile, url);
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
const isPlainName = (value: unknown): value is string => typeof value === 'string' && /^[\w.-]{1,255}$/.test(value) && value !== '.' && value !== '..';

/**
 * Reads what inference needs from the folder of model.json (`base`, ending in /):
 * state.json (the checkpoint's config: crop, scale, mean; its classes), stats.json
 * and the mean image it names, and class-names.json when there is one — the
 * checks `alexnet predict` makes on them, with the file named in every error.
 */
export async function readPreprocessing(base: URL, fetchFile: Fetch = (url) => fetch(url)): Promise<Preprocessing> {
  const stateUrl = new URL(PREPROCESSING_FILES.state, base);
  const state = await fetchJson(fetchFile, stateUrl);
  if (!isRecord(state) || !isRecord(state.config)) throw new FileError(stateUrl, 'no config');
  const { crop, scale, mean = 'image' } = state.config;
  const classes = state.classes;
  if (!isStringArray(classes) || classes.length < 1) throw new FileError(stateUrl, 'classes must be a list of names');
  if (!isInteger(crop, 1, 4096)) throw new FileError(stateUrl, `config.crop must be an integer from 1 to 4096, got ${String(crop)}`);
  if (!isFiniteNumber(scale) || scale <= 0) throw new FileError(stateUrl, `config.scale must be a positive number, got ${String(scale)}`);
  if (mean !== 'image' && mean !== 'channel' && mean !== 'none')
    throw new FileError(stateUrl, `config.mean must be image, channel or none, got ${String(mean)}`);

  const statsUrl = new URL(PREPROCESSING_FILES.stats, base);
  const stats = await fetchJson(fetchFile, statsUrl);
  if (!isRecord(stats)) throw new FileError(statsUrl, 'not an object');
  const { size, channelMean, meanImage: meanFile } = stats;
  if (!isInteger(size, 1, 4096)) throw new FileError(statsUrl, `size must be an integer from 1 to 4096, got ${String(size)}`);
  if (crop > size) throw new FileError(stateUrl, `config.crop ${crop} is larger than the images it was trained on (${size}×${size})`);
  if (!Array.isArray(channelMean) || channelMean.length !== 3 || !channelMean.every(isFiniteNumber))
    throw new FileError(statsUrl, 'channelMean must be 3 numbers');
  if (!isPlainName(meanFile)) throw new FileError(statsUrl, 'meanImage must be a file name in its folder');

  const meanUrl = new URL(meanFile, base);
  const bytes = await (await fetchOk(fetchFile, meanUrl)).arrayBuffer();
  if (bytes.byteLength !== size * size * 3 * 4)
    throw new FileError(meanUrl, `${bytes.byteLength} bytes, expected ${size}×${size}×3 float32 (${size * size * 12})`);
  const meanImage = new Float32Array(bytes);
  if (!meanImage.every(Number.isFinite)) throw new FileError(meanUrl, 'holds a value that is not finite');

  const namesUrl = new URL(PREPROCESSING_FILES.classNames, base);
  const namesResponse = await fetchFile(namesUrl.href);
  let names = classes;
  if (namesResponse.status !== 404) {
    if (!namesResponse.ok) throw new FileError(namesUrl, `${namesResponse.status} ${namesResponse.statusText}`.trim());
    const value: unknown = await namesResponse.json().catch(() => undefined);
    if (!isStringArray(value) || value.length !== classes.length) throw new FileError(namesUrl, `must be a list of ${classes.length} names`);
    names = value;
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
