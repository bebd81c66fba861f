import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeAndCenterCrop } from '@alexnet/data';
import { temporaryFolder, tinyPreparedShapes } from '@alexnet/test-support';
import { buildPage } from './build-page.js';
import { modelFiles, servePage, type PageServer } from './serve-page.js';

// Debian's Chromium (.ci/run installs it); playwright-core drives it and downloads no browser.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The command line from its sources (tsx, with the tests' path mapping), as cli.test.ts runs it.
const CLI = join(ROOT, 'packages', 'app', 'src', 'cli.ts');
const TOLERANCE = 1e-4;

async function alexnet(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.tests.json') },
    maxBuffer: 16 * 2 ** 20,
  });
  return stdout;
}

interface Top {
  class: string;
  probability: number;
}

if (!existsSync(CHROMIUM)) {
  it(`the browser example needs ${CHROMIUM} (apt-get install chromium)`, (context) => {
    if (process.env.CI === 'true')
      throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package, and this run could not; the page is untested`);
    context.skip(`${CHROMIUM} is not installed: apt-get install chromium`);
  });
} else {
  describe('the browser example', () => {
    let run: string;
    let pictures: Array<{ file: string; rgb: Uint8Array }>;
    let node: Top[][];
    let server: PageServer | undefined;
    let browser: Browser | undefined;

    beforeAll(async () => {
      // A tiny trained model, exported by alexnet train as `npm start` does (the run's model/).
      const { src, data } = await tinyPreparedShapes('browser', 8);
      run = join(await temporaryFolder('browser-run'), 'run');
      const settings = ['--epochs', '1', '--crop', '67', '--width', '0.0625', '--batch-size', '6', '--init', 'he', '--scale', '0.015625'];
      await alexnet(['train', '--data', data, '--out', run, ...settings, '--backend', 'wasm', '--workers', '0']);

      // Pictures at the stored size (72×72, what predict resizes to): neither side resamples them.
      const size = (JSON.parse(await readFile(join(run, 'checkpoints', 'last', 'stats.json'), 'utf8')) as { size: number }).size;
      const folder = await temporaryFolder('browser-pictures');
      pictures = await Promise.all(
        ['star/star-0001.jpg', 'circle/circle-0001.jpg'].map(async (name) => {
          const rgb = (await resizeAndCenterCrop(await readFile(join(src, name)), size)).data;
          const file = join(folder, basename(name, '.jpg') + '.png');
          await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
            .png()
            .toFile(file);
          return { file, rgb };
        }),
      );
      for (const { file, rgb } of pictures) expect((await resizeAndCenterCrop(await readFile(file), size)).data).toEqual(rgb);

      // Node's answer: alexnet predict on the checkpoint model/ was saved from (the same weights, byte for byte).
      const last = join(run, 'checkpoints', 'last');
      const weights = async (dir: string) =>
        readFile(
          join(
            dir,
            (await readdir(dir)).find((name) => /^weights-.*\.bin$/.test(name))!,
          ),
        );
      expect((await weights(join(run, 'model'))).equals(await weights(last))).toBe(true);
      const predictions = JSON.parse(
        await alexnet(['predict', ...pictures.map((p) => p.file), '--checkpoint', last, '--top', '5', '--json', '--backend', 'wasm']),
      ) as Array<{ top: Top[] }>;
      node = predictions.map((p) => p.top);

      const site = await temporaryFolder('browser-site');
      await buildPage(site);
      server = await servePage({ site, model: await modelFiles(run) });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it("serves the run's model/ with the preprocessing files of its checkpoint, and nothing else", async () => {
      const { files } = await modelFiles(run);
      expect([...files.keys()].sort()).toEqual(['mean-image.f32', 'model.json', 'state.json', 'stats.json', expect.stringMatching(/^weights-[0-9a-f]+\.bin$/)]);
      expect(files.get('model.json')).toBe(join(run, 'model', 'model.json'));
      expect(files.get('stats.json')).toBe(join(run, 'checkpoints', 'last', 'stats.json'));
      expect((await fetch(new URL('model/state.json', server!.url))).status).toBe(200);
      for (const path of ['model/config.json', 'model/..%2fconfig.json', '..%2f..%2fpackage.json', 'nothing.js']) {
        expect((await fetch(new URL(path, server!.url))).status, path).toBe(404);
      }
    });

    // The model separates its top-5 by more than the tolerance, so "the same order" is a real check.
    it('has a model whose top-5 probabilities are apart', () => {
      for (const top of node) {
        expect(top).toHaveLength(5);
        for (let i = 1; i < top.length; i++) expect(top[i - 1]!.probability - top[i]!.probability).toBeGreaterThan(TOLERANCE);
      }
    });

    // Scripts run in the page are strings: these tests are type-checked without the DOM's types.
    const state = (states: string[], status = '') =>
      `${JSON.stringify(states)}.includes(document.body.dataset.state) && document.getElementById('status').textContent.startsWith(${JSON.stringify(status)})`;

    it.each(['wasm', 'webgl', 'cpu'])('shows the top-5 of alexnet predict on the %s engine', async (engine) => {
      const page = await browser!.newPage();
      try {
        await page.goto(`${server!.url}?engine=${engine}`);
        await page.waitForFunction(state(['ready', 'error']));
        expect(await page.textContent('#status')).toMatch(/^ready: 10 classes, 72×72 pictures, 67×67 center crop, mean image/);
        expect(await page.textContent('#engine-used')).toBe(engine);
        for (const [i, { file, rgb }] of pictures.entries()) {
          const name = basename(file);
          await page.setInputFiles('#image', file);
          await page.waitForFunction(state(['done', 'error'], `${name}:`));
          expect(await page.textContent('#status')).toMatch(new RegExp(`^${name}: \\d+ ms on ${engine}$`));
          // The page saw the pixels Node saw (the preview canvas is the picture at the stored size).
          const rgba = await page.evaluate<number[]>(`Array.from(document.getElementById('preview').getContext('2d').getImageData(0, 0, 72, 72).data)`);
          expect(Uint8Array.from(rgba.filter((_, j) => j % 4 !== 3))).toEqual(rgb);
          const rows = await page.locator('#top tr').all();
          const shown = await Promise.all(
            rows.map(async (row) => ({ class: (await row.getAttribute('data-class'))!, probability: Number(await row.getAttribute('data-probability')) })),
          );
          expect(shown.map((t) => t.class)).toEqual(node[i]!.map((t) => t.class));
          const difference = Math.max(...shown.map((t, j) => Math.abs(t.probability - node[i]![j]!.probability)));
          expect(difference).toBeLessThan(TOLERANCE);
        }
      } finally {
        await page.close();
      }
    });
  });
}
