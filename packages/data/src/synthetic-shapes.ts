import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { randomInt, seededRandom, uniform, type Random } from './random.js';

/** The classes of the built-in dataset: the class is the shape, never the colour. */
export const SHAPE_CLASSES = ['arrow', 'circle', 'crescent', 'cross', 'heart', 'hexagon', 'ring', 'square', 'star', 'triangle'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

export interface SyntheticShapesOptions {
  /** Images per class. Default 200. */
  perClass?: number;
  /** Seed; the same seed writes byte-identical files. Default 2012. */
  seed?: number;
  /** Images encoded at once. Default 8. */
  concurrency?: number;
  /** Called after each image is written. */
  onProgress?: (done: number, total: number) => void;
}

const polygon = (points: Array<[number, number]>) => `M${points.map(([x, y]) => `${x.toFixed(4)},${y.toFixed(4)}`).join('L')}Z`;
const regular = (sides: number, phase = -Math.PI / 2) =>
  polygon(Array.from({ length: sides }, (_, i) => [Math.cos(phase + (2 * Math.PI * i) / sides), Math.sin(phase + (2 * Math.PI * i) / sides)]));

/** Each shape as an SVG path in a unit box centred on 0 (radius ≈ 1). */
const SHAPE_PATHS: Record<ShapeClass, string> = {
  circle: 'M1,0A1,1 0 1,1 -1,0A1,1 0 1,1 1,0Z',
  ring: 'M1,0A1,1 0 1,1 -1,0A1,1 0 1,1 1,0ZM0.55,0A0.55,0.55 0 1,0 -0.55,0A0.55,0.55 0 1,0 0.55,0Z',
  square: polygon([
    [-0.8, -0.8],
    [0.8, -0.8],
    [0.8, 0.8],
    [-0.8, 0.8],
  ]),
  triangle: regular(3),
  hexagon: regular(6, 0),
  star: polygon(
    Array.from({ length: 10 }, (_, i) => {
      const r = i % 2 === 0 ? 1 : 0.4;
      const a = -Math.PI / 2 + (Math.PI * i) / 5;
      return [r * Math.cos(a), r * Math.sin(a)] as [number, number];
    }),
  ),
  cross: polygon([
    [-0.3, -1],
    [0.3, -1],
    [0.3, -0.3],
    [1, -0.3],
    [1, 0.3],
    [0.3, 0.3],
    [0.3, 1],
    [-0.3, 1],
    [-0.3, 0.3],
    [-1, 0.3],
    [-1, -0.3],
    [-0.3, -0.3],
  ]),
  crescent: 'M0.2,-0.98A1,1 0 1,0 0.2,0.98A1.3,1.3 0 0,1 0.2,-0.98Z',
  heart: 'M0,0.95C-0.35,0.65 -1,0.25 -1,-0.3C-1,-0.75 -0.45,-1.05 0,-0.55C0.45,-1.05 1,-0.75 1,-0.3C1,0.25 0.35,0.65 0,0.95Z',
  arrow: polygon([
    [-1, -0.25],
    [0.2, -0.25],
    [0.2, -0.65],
    [1, 0],
    [0.2, 0.65],
    [0.2, 0.25],
    [-1, 0.25],
  ]),
};

type Rgb = [number, number, number];
const randomColour = (random: Random): Rgb => [randomInt(random, 0, 255), randomInt(random, 0, 255), randomInt(random, 0, 255)];
const css = ([r, g, b]: Rgb) => `rgb(${r},${g},${b})`;
const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/**
 * One image as SVG: a two-colour gradient background with faint clutter, the
 * shape in a random colour (kept distinguishable from the background) at a
 * random position, scale and small rotation inside the central square (so a
 * center crop keeps it), and a random light or shadow falling across it.
 */
export function shapeSvg(shape: ShapeClass, random: Random): { svg: string; width: number; height: number } {
  const width = randomInt(random, 96, 320);
  const height = randomInt(random, 96, 320);
  const side = Math.min(width, height);
  const bgA = randomColour(random);
  const bgB = randomColour(random);
  const mid: Rgb = [(bgA[0] + bgB[0]) / 2, (bgA[1] + bgB[1]) / 2, (bgA[2] + bgB[2]) / 2];
  let fill = randomColour(random);
  for (let tries = 0; tries < 20 && (distance(fill, bgA) < 110 || distance(fill, bgB) < 110 || distance(fill, mid) < 110); tries++) {
    fill = randomColour(random);
  }
  const radius = side * uniform(random, 0.26, 0.42);
  const slack = side / 2 - radius * 1.05;
  const cx = width / 2 + uniform(random, -slack, slack);
  const cy = height / 2 + uniform(random, -slack, slack);
  const angle = uniform(random, -25, 25);
  const gradientAngle = uniform(random, 0, 360);
  const clutter = Array.from({ length: randomInt(random, 2, 6) }, () => {
    const r = side * uniform(random, 0.03, 0.12);
    return `<ellipse cx="${uniform(random, 0, width).toFixed(1)}" cy="${uniform(random, 0, height).toFixed(1)}" rx="${r.toFixed(1)}" ry="${(r * uniform(random, 0.3, 1)).toFixed(1)}" fill="${css(randomColour(random))}" opacity="${uniform(random, 0.08, 0.25).toFixed(2)}"/>`;
  }).join('');
  const light = random() < 0.5 ? 'white' : 'black';
  const lightOpacity = uniform(random, 0, 0.45).toFixed(2);
  const lx = uniform(random, 0, 100).toFixed(0);
  const ly = uniform(random, 0, 100).toFixed(0);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="bg" gradientTransform="rotate(${gradientAngle.toFixed(1)} 0.5 0.5)">` +
    `<stop offset="0" stop-color="${css(bgA)}"/><stop offset="1" stop-color="${css(bgB)}"/></linearGradient>` +
    `<radialGradient id="light" cx="${lx}%" cy="${ly}%" r="70%"><stop offset="0" stop-color="${light}" stop-opacity="${lightOpacity}"/>` +
    `<stop offset="1" stop-color="${light}" stop-opacity="0"/></radialGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#bg)"/>${clutter}` +
    `<path d="${SHAPE_PATHS[shape]}" fill="${css(fill)}" transform="translate(${cx.toFixed(2)} ${cy.toFixed(2)}) rotate(${angle.toFixed(1)}) scale(${radius.toFixed(2)})"/>` +
    `<rect width="100%" height="100%" fill="url(#light)"/></svg>`;
  return { svg, width, height };
}

const MARKER = 'complete.json';
const imageName = (shape: ShapeClass, index: number) => `${shape}-${String(index).padStart(4, '0')}.jpg`;

/**
 * Writes the built-in dataset as JPEG files in class folders
 * (`<dir>/<shape>/<shape>-0001.jpg`), once: a marker written last records the
 * options, and a later call with the same options returns at once. Each file
 * is written to a temporary name and renamed, so an interrupted run leaves no
 * half-written image.
 */
export async function writeSyntheticShapes(dir: string, options: SyntheticShapesOptions = {}): Promise<{ dir: string; images: number; reused: boolean }> {
  const perClass = options.perClass ?? 200;
  const seed = options.seed ?? 2012;
  const concurrency = options.concurrency ?? 8;
  const signature = JSON.stringify({ version: 2, perClass, seed, classes: SHAPE_CLASSES });
  const total = perClass * SHAPE_CLASSES.length;
  try {
    if ((await readFile(join(dir, MARKER), 'utf8')) === signature) return { dir, images: total, reused: true };
  } catch {
    // not generated yet
  }
  // Regenerating: the old marker goes first, so an interrupted run is never taken as complete.
  await rm(join(dir, MARKER), { force: true });
  const jobs: Array<{ shape: ShapeClass; index: number }> = [];
  for (const shape of SHAPE_CLASSES) {
    await mkdir(join(dir, shape), { recursive: true });
    const expected = new Set<string>();
    for (let index = 1; index <= perClass; index++) {
      jobs.push({ shape, index });
      expected.add(imageName(shape, index));
    }
    // Files from other options (a larger perClass, a crashed write) would join the dataset.
    for (const name of await readdir(join(dir, shape))) {
      if (!expected.has(name)) await unlink(join(dir, shape, name));
    }
  }
  const tmpSuffix = `.${randomBytes(6).toString('hex')}.tmp`;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { shape, index } = jobs[next++]!;
      // One stream per image: the files do not depend on scheduling order.
      const random = seededRandom(seed * 1_000_003 + SHAPE_CLASSES.indexOf(shape) * 100_003 + index);
      const { svg } = shapeSvg(shape, random);
      const quality = randomInt(random, 75, 95);
      const file = join(dir, shape, imageName(shape, index));
      const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality }).toBuffer();
      await writeFile(`${file}${tmpSuffix}`, jpeg);
      await rename(`${file}${tmpSuffix}`, file);
      done++;
      options.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await writeFile(join(dir, MARKER), signature);
  return { dir, images: total, reused: false };
}
