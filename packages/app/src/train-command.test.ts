import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDataset, writeSyntheticShapes } from '@alexnet/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { loadModel } from '@alexnet/train';
import { runTrain } from './train-command.js';
import { parseTrainFlags, RECIPES } from './train-flags.js';

let data: string;

beforeAll(async () => {
  const src = await temporaryFolder('train-cli-src');
  await writeSyntheticShapes(src, { perClass: 3, seed: 4 });
  data = join(await temporaryFolder('train-cli-data'), 'prepared');
  await prepareDataset(src, data, { size: 72, valFraction: 0.34 });
});

describe('alexnet train flags', () => {
  it("defaults to the paper's procedure; a recipe and flags override it", () => {
    const { config } = parseTrainFlags(['--data', 'd'], {});
    expect(config).toMatchObject({ ...RECIPES.paper, recipe: 'paper', data: 'd', backend: 'auto', accumulate: 1, width: 1 });
    const tv = parseTrainFlags(['--data', 'd', '--recipe', 'torchvision', '--epochs', '3'], {}).config;
    expect(tv).toMatchObject({ arch: 'alexnet-owt', columns: 1, crop: 224, lrSchedule: 'step:30', weightDecay: 1e-4, rule: 'pytorch', epochs: 3 });
  });

  it('names what is wrong', () => {
    expect(() => parseTrainFlags([], {})).toThrow('train needs --data <prepared dir>');
    expect(() => parseTrainFlags(['--data', 'd', '--epoch', '3'], {})).toThrow("Unknown option '--epoch'");
    expect(() => parseTrainFlags(['--data', 'd', '--rule', 'adam'], {})).toThrow("--rule: expected one of paper, pytorch, got 'adam'");
    expect(() => parseTrainFlags(['--data', 'd', '--batch-size', '128', '--accumulate', '3'], {})).toThrow('--accumulate 3 must divide --batch-size 128');
    expect(() => parseTrainFlags(['--data', 'd', '--arch', 'alexnet-owt', '--columns', '2'], {})).toThrow('--columns 2: alexnet-owt has one column');
    expect(() => parseTrainFlags(['--data', 'd', '--recipe', 'vgg'], {})).toThrow("--recipe: expected one of paper, torchvision, got 'vgg'");
  });
});

describeEachEngine('alexnet train', (engine) => {
  const tiny = ['--crop', '67', '--width', '0.0625', '--batch-size', '6', '--init', 'he', '--scale', '0.015625', '--lr', '0.01', '--lighting', '0.1', '--backend', engine, '--workers', '0'];

  it('trains, checkpoints, resumes, and refuses impossible or changed settings', async () => {
    const out = join(await temporaryFolder('train-cli-run'), 'run');
    const lines: string[] = [];
    const first = await runTrain(['--data', data, '--out', out, '--epochs', '1', ...tiny], (l) => lines.push(l));
    expect(first.state.epoch).toBe(1);
    expect((await readdir(out)).sort()).toEqual(['checkpoints', 'config.json', 'metrics.csv', 'metrics.jsonl']);
    expect(lines.at(-1)).toMatch(/^done: 1 epochs in \d+:\d\d; best top-1 error \d+\.\d % \(epoch 1\)/);

    const last = join(out, 'checkpoints', 'last');
    const resumed = await runTrain(['--data', data, '--resume', last, '--epochs', '2', '--backend', engine, '--workers', '0'], () => undefined);
    expect([resumed.runDir, resumed.state.epoch]).toEqual([out, 2]);
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics).toHaveLength(2);

    // The same two epochs without stopping, on the same engine: the same weights.
    const straight = join(await temporaryFolder('train-cli-straight'), 'run');
    await runTrain(['--data', data, '--out', straight, '--epochs', '2', ...tiny], () => undefined);
    const weights = async (dir: string) => (await loadModel(join(dir, 'checkpoints', 'last'))).getWeights().map((w) => w.dataSync());
    const [a, b] = [await weights(straight), await weights(out)];
    const difference = Math.max(...a.map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - b[i]![j]!)))));
    expect(difference).toBe(0);

    await expect(runTrain(['--data', data, '--resume', last, '--crop', '70', '--backend', engine], () => undefined)).rejects.toThrow(
      `--crop 70 differs from the checkpoint's 67 (${last}); a resumed run keeps its settings`,
    );
    await expect(runTrain(['--data', data, '--crop', '73', '--backend', engine], () => undefined)).rejects.toThrow(
      `--crop 73 is larger than the prepared images of ${data} (72×72)`,
    );
    await expect(runTrain(['--data', data, ...tiny, '--width', '0.001'], () => undefined)).rejects.toThrow('width 0.001 leaves a layer of 96 units empty');

    const other = join(await temporaryFolder('train-cli-other'), 'prepared');
    const src = await temporaryFolder('train-cli-two');
    await writeSyntheticShapes(src, { perClass: 3, seed: 4 });
    const { rm } = await import('node:fs/promises');
    await rm(join(src, 'star'), { recursive: true });
    await prepareDataset(src, other, { size: 72, valFraction: 0.34 });
    await expect(runTrain(['--data', other, '--resume', last, '--backend', engine], () => undefined)).rejects.toThrow(`${last} was trained on 10 classes`);
  });
});
