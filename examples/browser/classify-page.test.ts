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
import { temporaryFolder, tinyPreparedShapes, TINY_TRAIN_FLAGS } from '@alexnet/test-support';
import { buildPage } from './build-page.js';
import { modelFiles, servePage, type ModelFiles, type PageServer } from './serve-page.js';

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
    let exported: string;
    let pictures: Array<{ file: string; rgb: Uint8Array }>;
    let node: Top[][];
    let channelNode: Top[][];
    let site: string;
    const servers: PageServer[] = [];
    let server: PageServer;
    let exportServer: PageServer;
    let channelServer: PageServer;
    let browser: Browser | undefined;

    beforeAll(async () => {
      // A tiny trained model; alexnet train writes its model/ (a tfjs export) as `npm start` does.
      const { src, data } = await tinyPreparedShapes('browser', 8);
      run = join(await temporaryFolder('browser-run'), 'run');
      const settings = ['--epochs', '1', ...TINY_TRAIN_FLAGS];
      await alexnet(['train', '--data', data, '--out', run, ...settings, '--backend', 'wasm', '--workers', '0']);
      // The same network as `alexnet export --format tfjs` writes it, from the checkpoint model/ was saved from.
      const last = join(run, 'checkpoints', 'last');
      exported = join(await temporaryFolder('browser-export'), 'export');
      await alexnet(['export', '--checkpoint', last, '--format', 'tfjs', '--out', exported, '--backend', 'wasm']);

      // Pictures at the stored size (72×72, what predict resizes to): neither side resamples them.
      const size = (JSON.parse(await readFile(join(run, 'model', 'stats.json'), 'utf8')) as { size: number }).size;
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

      // Node's answer: alexnet predict on the checkpoint model/ and the export were saved from (the same weights, byte for byte).
      const weights = async (dir: string) =>
        readFile(
          join(
            dir,
            (await readdir(dir)).find((name) => /^weights-.*\.bin$/.test(name))!,
          ),
        );
      expect((await weights(join(run, 'model'))).equals(await weights(last))).toBe(true);
      expect((await weights(exported)).equals(await weights(last))).toBe(true);
      const predict = async (checkpoint: string) =>
        (
          JSON.parse(
            await alexnet(['predict', ...pictures.map((p) => p.file), '--checkpoint', checkpoint, '--top', '5', '--json', '--backend', 'wasm']),
          ) as Array<{
            top: Top[];
          }>
        ).map((p) => p.top);
      node = await predict(last);
      // The same network trained with --mean channel: the page subtracts stats.json's channel mean instead of an image.
      const channelRun = join(await temporaryFolder('browser-channel-run'), 'run');
      await alexnet(['train', '--data', data, '--out', channelRun, ...settings, '--mean', 'channel', '--backend', 'wasm', '--workers', '0']);
      channelNode = await predict(join(channelRun, 'checkpoints', 'last'));

      site = await temporaryFolder('browser-site');
      await buildPage(site);
      server = await serve(await modelFiles(run));
      exportServer = await serve(await modelFiles(exported));
      channelServer = await serve(await modelFiles(join(channelRun, 'model')));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    async function serve(model: ModelFiles): Promise<PageServer> {
      const started = await servePage({ site, model });
      servers.push(started);
      return started;
    }

    afterAll(async () => {
      await browser?.close();
      await Promise.all(servers.map((s) => s.close()));
    });

    it("serves the run's model/: the network, preprocessing.json, stats.json and the mean image, and nothing else", async () => {
      const { files } = await modelFiles(run);
      expect([...files.keys()].sort()).toEqual([
        'mean-image.f32',
        'model.json',
        'preprocessing.json',
        'stats.json',
        expect.stringMatching(/^weights-[0-9a-f]+\.bin$/),
      ]);
      for (const [name, file] of files) expect(file, name).toBe(join(run, 'model', name));
      expect((await fetch(new URL('model/preprocessing.json', server.url))).status).toBe(200);
      for (const path of [
        'model/state.json',
        'model/class-names.json',
        'model/config.json',
        'model/..%2fconfig.json',
        '..%2f..%2fpackage.json',
        'nothing.js',
      ]) {
        expect((await fetch(new URL(path, server.url))).status, path).toBe(404);
      }
    });

    it("reads the same preprocessing from the run's model/ and from an export of its checkpoint", async () => {
      const read = (dir: string) => readFile(join(dir, 'preprocessing.json'), 'utf8').then((text) => JSON.parse(text) as unknown);
      expect(await read(exported)).toEqual(await read(join(run, 'model')));
      expect(await read(exported)).toMatchObject({ crop: 67, scale: 0.015625, mean: 'image' });
    });

    it('refuses the checkpoint itself, with the export command for it', async () => {
      const last = join(run, 'checkpoints', 'last');
      await expect(modelFiles(last)).rejects.toThrow(`make one with \`alexnet export --checkpoint ${last} --format tfjs --out <folder>\``);
    });

    // The model separates its top-5 by more than the tolerance, so "the same order" is a real check.
    it('has models whose top-5 probabilities are apart', () => {
      for (const top of [...node, ...channelNode]) {
        expect(top).toHaveLength(5);
        for (let i = 1; i < top.length; i++) expect(top[i - 1]!.probability - top[i]!.probability).toBeGreaterThan(TOLERANCE);
      }
    });

    // Scripts run in the page are strings: these tests are type-checked without the DOM's types.
    const state = (states: string[], status = '') =>
      `${JSON.stringify(states)}.includes(document.body.dataset.state) && document.getElementById('status').textContent.startsWith(${JSON.stringify(status)})`;

    /** Opens the page of `on` on `engine`, classifies every picture, and checks it against alexnet predict's `expected`. */
    async function expectNodeTop5(on: PageServer, engine: string, expected = node, mean = 'image'): Promise<void> {
      const page = await browser!.newPage();
      try {
        await page.goto(`${on.url}?engine=${engine}`);
        await page.waitForFunction(state(['ready', 'error']));
        expect(await page.textContent('#status')).toMatch(new RegExp(`^ready: 10 classes, 72×72 pictures, 67×67 center crop, mean ${mean};`));
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
          expect(shown.map((t) => t.class)).toEqual(expected[i]!.map((t) => t.class));
          const difference = Math.max(...shown.map((t, j) => Math.abs(t.probability - expected[i]![j]!.probability)));
          expect(difference).toBeLessThan(TOLERANCE);
        }
      } finally {
        await page.close();
      }
    }

    it.each(['wasm', 'webgl', 'cpu'])("shows the top-5 of alexnet predict on the %s engine (the run's model/)", async (engine) => {
      await expectNodeTop5(server, engine);
    });

    it('shows the same top-5 from an alexnet export --format tfjs folder', async () => {
      await expectNodeTop5(exportServer, 'wasm');
    });

    it('shows the top-5 of alexnet predict for a model trained with --mean channel', async () => {
      await expectNodeTop5(channelServer, 'wasm', channelNode, 'channel');
    });

    it('says how to make a model folder when the folder has no preprocessing.json', async () => {
      // Served by hand: modelFiles refuses such a folder, but ?model= can point the page at any.
      const bare = await serve({ files: new Map([['model.json', join(run, 'model', 'model.json')]]), description: 'model.json alone' });
      const page = await browser!.newPage();
      try {
        await page.goto(`${bare.url}?engine=cpu`);
        await page.waitForFunction(state(['ready', 'error']));
        expect(await page.getAttribute('body', 'data-state')).toBe('error');
        const text = await page.textContent('#status');
        expect(text).toMatch(/^\/model\/preprocessing\.json: not found/);
        expect(text).toContain('`alexnet export --checkpoint <dir> --format tfjs --out <folder>`');
        expect(text).toContain("a run's model/ written by a current `alexnet train`");
      } finally {
        await page.close();
      }
    });
  });
}
