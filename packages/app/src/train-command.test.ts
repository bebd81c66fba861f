import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDataset, writeSyntheticShapes } from '@alexnet/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder, tinyPreparedShapes, TINY_TRAIN_FLAGS } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import sharp from 'sharp';
import { loadModel, readEventFile } from '@alexnet/train';
import { runTrain } from './train-command.js';
import { parseTrainFlags, RECIPES } from './train-flags.js';

let data: string;

beforeAll(async () => {
  ({ data } = await tinyPreparedShapes('train-cli', 4));
});

describe('alexnet train flags', () => {
  it("defaults to the paper's procedure; a recipe and flags override it", () => {
    const { config } = parseTrainFlags(['--data', 'd'], {});
    expect(config).toMatchObject({
      ...RECIPES.paper,
      recipe: 'paper',
      data: 'd',
      backend: 'auto',
      accumulate: 1,
      width: 1,
      patience: 1,
      conv1Padding: 'valid',
      force: false,
    });
    const tv = parseTrainFlags(['--data', 'd', '--recipe', 'torchvision', '--epochs', '3'], {}).config;
    expect(tv).toMatchObject({ arch: 'alexnet-owt', columns: 1, crop: 224, lrSchedule: 'step:30', weightDecay: 1e-4, rule: 'pytorch', epochs: 3, lrn: 'off' });
    // The paper's 224: conv1 padded to 55×55 unless asked otherwise.
    expect(parseTrainFlags(['--data', 'd', '--crop', '224'], {}).config.conv1Padding).toBe('paper');
    expect(parseTrainFlags(['--data', 'd', '--crop', '224', '--conv1-padding', 'valid'], {}).config.conv1Padding).toBe('valid');
  });

  it("takes pytorch/examples' names: -b, -j, --wd, --lr", () => {
    const { config, explicit } = parseTrainFlags(
      [
        '--data',
        'd',
        '-b',
        '64',
        '-j',
        '3',
        '--wd',
        '1e-4',
        '--lr',
        '0.02',
        '--patience',
        '2',
        '--lrn',
        'alpha-over-n',
        '--pool',
        'non-overlapping',
        '--dropout',
        '0.3',
      ],
      {},
    );
    expect(config).toMatchObject({
      batchSize: 64,
      workers: 3,
      weightDecay: 1e-4,
      lr: 0.02,
      patience: 2,
      lrn: 'alpha-over-n',
      pool: 'non-overlapping',
      dropout: 0.3,
    });
    expect(explicit).toEqual({
      batchSize: 64,
      workers: 3,
      weightDecay: 1e-4,
      lr: 0.02,
      patience: 2,
      lrn: 'alpha-over-n',
      pool: 'non-overlapping',
      dropout: 0.3,
    });
    expect(parseTrainFlags(['--data', 'd', '--weight-decay', '0'], {}).config.weightDecay).toBe(0);
  });

  it('names what is wrong, and suggests the flag meant', () => {
    expect(() => parseTrainFlags([], {})).toThrow("required option '--data <dir>' not specified");
    expect(() => parseTrainFlags(['--data', 'd', '--epoch', '3'], {})).toThrow("unknown option '--epoch'\n(Did you mean --epochs?)");
    expect(() => parseTrainFlags(['--data', 'd', '--rule', 'adam'], {})).toThrow(
      "option '--rule <name>' argument 'adam' is invalid. Allowed choices are paper, pytorch.",
    );
    expect(() => parseTrainFlags(['--data', 'd', '--batch-size', '128', '--accumulate', '3'], {})).toThrow('--accumulate 3 must divide --batch-size 128');
    expect(() => parseTrainFlags(['--data', 'd', '--arch', 'alexnet-owt', '--columns', '2'], {})).toThrow('--columns 2: alexnet-owt has one column');
    expect(() => parseTrainFlags(['--data', 'd', '--recipe', 'vgg'], {})).toThrow(
      "option '--recipe <name>' argument 'vgg' is invalid. Allowed choices are paper, torchvision, demo.",
    );
    expect(() => parseTrainFlags(['--data', 'd', '--lighting', 'much'], {})).toThrow(
      "option '--lighting <sigma>' argument 'much' is invalid. expected a non-negative number or 'off'",
    );
    expect(() => parseTrainFlags(['--data', 'd', '--force'], {})).toThrow('--force replaces the run in --out: give --out <dir>');
    expect(() => parseTrainFlags(['--data', 'd', 'extra'], {})).toThrow('too many arguments. Expected 0 arguments but got 1.');
  });
});

describeEachEngine('alexnet train', (engine) => {
  const tiny = [...TINY_TRAIN_FLAGS, '--lr', '0.01', '--lighting', '0.1', '--backend', engine, '--workers', '0'];

  it('trains, checkpoints, resumes, and refuses impossible or changed settings', async () => {
    const out = join(await temporaryFolder('train-cli-run'), 'run');
    const lines: string[] = [];
    const tensorboard = join(out, '..', 'tensorboard');
    const first = await runTrain(['--data', data, '--out', out, '--epochs', '1', '--tensorboard', tensorboard, ...tiny], (l) => lines.push(l));
    expect(first.state.epoch).toBe(1);
    expect((await readdir(out)).sort()).toEqual(['checkpoints', 'config.json', 'curves.png', 'metrics.csv', 'metrics.jsonl', 'model']);
    expect(lines.at(-1)).toMatch(/^done: 1 epoch in \d+:\d\d; best top-1 error \d+\.\d % \(epoch 1\)/);
    // Training accuracy beside validation's; top-5 means nothing with 5 classes or fewer, and here there are 10.
    expect(lines.find((l) => l.startsWith('epoch 1:'))).toMatch(
      /^epoch 1: lr 0\.01, train loss \d\.\d{3}, train top-1 error \d+\.\d %, val loss \d\.\d{3}, top-1 error \d+\.\d %, top-5 error \d+\.\d %/,
    );
    const firstMetrics = JSON.parse((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim());
    expect(firstMetrics.trainTop1Error).toBeGreaterThanOrEqual(0);
    expect((await readFile(join(out, 'metrics.csv'), 'utf8')).split('\n')[0]).toContain('trainLoss,trainTop1Error,valLoss');
    // TensorBoard event files (tfjs-node's writer on the native engine, ours elsewhere), read back record by record.
    const [eventFile] = (await readdir(tensorboard)).filter((n) => n.startsWith('events.out.tfevents.'));
    const scalars = (await readEventFile(join(tensorboard, eventFile!))).flatMap((e) => e.scalars.map((x) => [x.tag, e.step]));
    expect(scalars).toEqual(
      expect.arrayContaining([
        ['loss/train', 1],
        ['loss/val', 1],
        ['error/val_top1', 1],
        ['error/val_top5', 1],
        ['error/train_top1', 1],
        ['learning_rate', 1],
      ]),
    );
    const curves = await sharp(await readFile(join(out, 'curves.png'))).metadata();
    expect([curves.format, curves.width! > 300]).toEqual(['png', true]);

    // An existing run is never overwritten: refused before anything is written, unless --force.
    const before = await readFile(join(out, 'metrics.jsonl'), 'utf8');
    await expect(runTrain(['--data', data, '--out', out, '--epochs', '1', ...tiny], () => undefined)).rejects.toThrow(
      `--out ${out} already holds a run (config.json, metrics.jsonl, metrics.csv, curves.png, checkpoints, model): continue it with --resume ${join(out, 'checkpoints', 'last')}, replace it with --force, or choose another --out`,
    );
    expect(await readFile(join(out, 'metrics.jsonl'), 'utf8')).toBe(before);
    const forced = join(await temporaryFolder('train-cli-forced'), 'run');
    await runTrain(['--data', data, '--out', forced, '--epochs', '1', ...tiny], () => undefined);
    await runTrain(['--data', data, '--out', forced, '--epochs', '1', '--force', ...tiny], () => undefined);
    expect((await readFile(join(forced, 'metrics.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);

    const last = join(out, 'checkpoints', 'last');
    const resumed = await runTrain(['--data', data, '--resume', last, '--epochs', '2', '--backend', engine, '--workers', '0'], () => undefined);
    expect([resumed.runDir, resumed.state.epoch]).toEqual([out, 2]);
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics).toHaveLength(2);
    // After the second epoch the picture has both.
    const twoEpochs = await sharp(await readFile(join(out, 'curves.png'))).metadata();
    expect([twoEpochs.format, (await readFile(join(out, 'curves.png'))).length > 10_000]).toEqual(['png', true]);

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

describe('alexnet train on data too small for its settings', () => {
  it('says so before creating anything, with the numbers and the fix', async () => {
    const out = join(await temporaryFolder('train-small'), 'run');
    const flags = ['--out', out, '--crop', '67', '--width', '0.0625', '--backend', 'cpu'];
    await expect(runTrain(['--data', data, ...flags], () => undefined)).rejects.toThrow(
      `--batch-size 128: the training split of ${data} has 20 images, fewer than one batch; use --batch-size 16 or smaller, or prepare more images`,
    );
    const src = await temporaryFolder('train-one-class');
    await writeSyntheticShapes(src, { perClass: 3, seed: 4 });
    const { readdir: list, rm } = await import('node:fs/promises');
    for (const name of await list(src)) if (name !== 'star') await rm(join(src, name), { recursive: true });
    const one = join(await temporaryFolder('train-one-class-data'), 'prepared');
    const summary = await prepareDataset(src, one, { size: 72, valFraction: 0.34 });
    expect(summary.warnings[0]).toMatch(/^only one class \(star\): a classifier needs at least two/);
    await expect(runTrain(['--data', one, ...flags, '-b', '2'], () => undefined)).rejects.toThrow(`${one} has 1 class (star): a classifier needs at least two`);
    await expect(list(out)).rejects.toThrow('ENOENT');
  });
});

describe('alexnet train and the run folders it is given', () => {
  const tiny = ['--crop', '67', '--width', '0.0625', '-b', '6', '--init', 'he', '--scale', '0.015625', '--backend', 'cpu', '-j', '0', '--epochs', '1'];
  it('never writes into what is not its own run: copied checkpoints, folders of other files, a rewind, a bad --tensorboard', async () => {
    const root = await temporaryFolder('train-folders');
    const run = join(root, 'run');
    await runTrain(['--data', data, '--out', run, ...tiny], () => undefined);
    const { cp, mkdir, writeFile, readdir: list } = await import('node:fs/promises');

    // A checkpoint copied out of its run belongs to no run: its resume needs --out.
    const copied = join(root, 'ck');
    await cp(join(run, 'checkpoints', 'last'), copied, { recursive: true });
    await expect(runTrain(['--data', data, '--resume', copied, '--backend', 'cpu'], () => undefined)).rejects.toThrow(
      `${copied} is not in a run folder (<run>/checkpoints/<name>): give the resumed run a folder with --out <dir>`,
    );
    // Branched into another folder, the resumed run keeps its own best there.
    const branch = join(root, 'branch');
    await runTrain(['--data', data, '--resume', copied, '--out', branch, '--epochs', '2', '--backend', 'cpu', '-j', '0'], () => undefined);
    expect((await list(join(branch, 'checkpoints'))).sort()).toEqual(['best', 'last']);

    // A folder whose files are not a run's is refused, even with --force.
    const app = join(root, 'app');
    await mkdir(join(app, 'model'), { recursive: true });
    await writeFile(join(app, 'config.json'), '{"name":"my-app"}');
    for (const extra of [[], ['--force']]) {
      await expect(runTrain(['--data', data, '--out', app, ...tiny, ...extra], () => undefined)).rejects.toThrow(
        `--out ${app} holds files a run would overwrite (config.json, model) but no run: choose another --out`,
      );
    }
    expect(await readFile(join(app, 'config.json'), 'utf8')).toBe('{"name":"my-app"}');

    // Resuming from best in place would take the run back: refused unless --force.
    await expect(runTrain(['--data', data, '--resume', join(run, 'checkpoints', 'best'), '--backend', 'cpu'], () => undefined)).rejects.toThrow(
      `--resume ${join(run, 'checkpoints', 'best')} would take ${run} back to epoch 1, replacing its later metrics and checkpoints/last`,
    );

    // best carries no optimizer state: a branch from it says its momentum starts from zero, and runs.
    const lines: string[] = [];
    const fromBest = join(root, 'from-best');
    await runTrain(['--data', data, '--resume', join(run, 'checkpoints', 'best'), '--out', fromBest, '--epochs', '2', '--backend', 'cpu', '-j', '0'], (l) =>
      lines.push(l),
    );
    expect(lines).toContain(
      `note: ${join(run, 'checkpoints', 'best')} carries no optimizer state (best checkpoints leave it out): momentum starts from zero; resume from checkpoints/last to continue exactly`,
    );
    expect(await list(join(fromBest, 'checkpoints', 'last'))).toContain('optimizer.bin');

    // A --tensorboard that cannot be written fails before the run folder exists.
    await writeFile(join(root, 'tbfile'), '');
    const fresh = join(root, 'fresh');
    await expect(runTrain(['--data', data, '--out', fresh, '--tensorboard', join(root, 'tbfile'), ...tiny], () => undefined)).rejects.toThrow();
    await expect(list(fresh)).rejects.toThrow('ENOENT');
  });
});
