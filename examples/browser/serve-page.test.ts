// The folder check of serve-page.ts: which folders it serves, which it refuses, and why. No browser.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { modelFiles } from './serve-page.js';

const SIZE = 4;
const EXPORT = '`alexnet export --checkpoint <dir> --format tfjs --out <folder>`';
const CURRENT_TRAIN = "a run's model/ written by a current `alexnet train`";

/** A folder laid out as `alexnet export --format tfjs` writes one (a stand-in model.json: the check reads only its manifest). */
async function modelFolder(dir: string, preprocessing: Record<string, unknown> | undefined, meanBytes = SIZE * SIZE * 3 * 4): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['weights-0123abcd.bin'], weights: [] }] }));
  await writeFile(join(dir, 'weights-0123abcd.bin'), new Uint8Array(8));
  await writeFile(join(dir, 'stats.json'), JSON.stringify({ size: SIZE, channelMean: [120, 110, 100], channelStd: [60, 60, 60], meanImage: 'mean-image.f32' }));
  await writeFile(join(dir, 'mean-image.f32'), new Uint8Array(meanBytes));
  await writeFile(join(dir, 'class-names.json'), JSON.stringify(['a circle', 'a star']));
  if (preprocessing) await writeFile(join(dir, 'preprocessing.json'), JSON.stringify(preprocessing));
  return dir;
}

const PREPROCESSING = { crop: 3, scale: 0.5, mean: 'image', classes: ['circle', 'star'], names: ['a circle', 'a star'] };

describe("the browser example's model folder check", () => {
  it('serves model.json, its weights, preprocessing.json, stats.json and the mean image of an export', async () => {
    const dir = await modelFolder(join(await temporaryFolder('serve-export'), 'export'), PREPROCESSING);
    const { files, description } = await modelFiles(dir);
    expect(Object.fromEntries(files)).toEqual(
      Object.fromEntries(['model.json', 'weights-0123abcd.bin', 'preprocessing.json', 'stats.json', 'mean-image.f32'].map((name) => [name, join(dir, name)])),
    );
    expect(description).toBe(dir);
  });

  it("takes a run folder's model/", async () => {
    const run = await temporaryFolder('serve-run');
    await modelFolder(join(run, 'model'), PREPROCESSING);
    await mkdir(join(run, 'checkpoints', 'last'), { recursive: true });
    expect((await modelFiles(run)).files.get('preprocessing.json')).toBe(join(run, 'model', 'preprocessing.json'));
  });

  it.each(['channel', 'none'])('does not serve (or need) the mean image with mean %s', async (mean) => {
    const dir = await modelFolder(join(await temporaryFolder('serve-mean'), 'export'), { ...PREPROCESSING, mean }, 5);
    expect([...(await modelFiles(dir)).files.keys()].sort()).toEqual(['model.json', 'preprocessing.json', 'stats.json', 'weights-0123abcd.bin']);
  });

  it('refuses a folder without preprocessing.json, saying how to make one', async () => {
    const dir = await modelFolder(join(await temporaryFolder('serve-none'), 'model'), undefined);
    const refusal = modelFiles(dir);
    await expect(refusal).rejects.toThrow(`${dir} has no preprocessing.json beside model.json`);
    await expect(refusal).rejects.toThrow(EXPORT);
    await expect(refusal).rejects.toThrow(CURRENT_TRAIN);
  });

  it('refuses a run whose model/ an older alexnet train wrote (no preprocessing.json)', async () => {
    const run = await temporaryFolder('serve-old-run');
    await modelFolder(join(run, 'model'), undefined);
    await mkdir(join(run, 'checkpoints', 'last'), { recursive: true });
    await writeFile(join(run, 'checkpoints', 'last', 'state.json'), '{}');
    const refusal = modelFiles(run);
    await expect(refusal).rejects.toThrow(EXPORT);
    await expect(refusal).rejects.toThrow(`(for this run: \`alexnet export --checkpoint ${join(run, 'checkpoints', 'last')} --format tfjs --out <folder>\`)`);
  });

  it('refuses a checkpoint folder, with the export command for it', async () => {
    const checkpoint = await modelFolder(join(await temporaryFolder('serve-checkpoint'), 'run', 'checkpoints', 'last'), undefined);
    await writeFile(join(checkpoint, 'state.json'), '{}');
    await expect(modelFiles(checkpoint)).rejects.toThrow(
      `${checkpoint} is a checkpoint: the page needs a model folder, with preprocessing.json beside model.json; ` +
        `make one with \`alexnet export --checkpoint ${checkpoint} --format tfjs --out <folder>\``,
    );
  });

  it('refuses a run without model/, with the export command for its last checkpoint', async () => {
    const run = await temporaryFolder('serve-stopped');
    await mkdir(join(run, 'checkpoints', 'last'), { recursive: true });
    await expect(modelFiles(run)).rejects.toThrow(`alexnet export --checkpoint ${join(run, 'checkpoints', 'last')} --format tfjs --out <folder>`);
  });

  it("checks the folder with the page's reader, naming the file", async () => {
    const base = await temporaryFolder('serve-bad');
    const wrongMean = await modelFolder(join(base, 'mean'), PREPROCESSING, 12);
    await expect(modelFiles(wrongMean)).rejects.toThrow(`${join(wrongMean, 'mean-image.f32')}: 12 bytes, expected 4×4×3 float32 (192)`);
    const fewNames = await modelFolder(join(base, 'names'), { ...PREPROCESSING, names: ['a circle'] });
    await expect(modelFiles(fewNames)).rejects.toThrow(`${join(fewNames, 'preprocessing.json')}: names must be a list of 2 names, one per class`);
    const bigCrop = await modelFolder(join(base, 'crop'), { ...PREPROCESSING, crop: 5 });
    await expect(modelFiles(bigCrop)).rejects.toThrow(`${join(bigCrop, 'preprocessing.json')}: crop 5 is larger than the images it was trained on (4×4`);
  });
});
