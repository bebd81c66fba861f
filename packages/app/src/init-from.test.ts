import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDataset } from '@alexnet/data';
import { loadCheckpoint } from '@alexnet/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder, tinyPreparedShapes, TINY_TRAIN_FLAGS } from '@alexnet/test-support';
import { runTrain } from './train-command.js';
import { parseTrainFlags } from './train-flags.js';

const FLAGS = ['--epochs', '1', ...TINY_TRAIN_FLAGS, '--backend', 'cpu', '--workers', '0'];
const quiet = () => undefined;

/** Each layer's weights as plain arrays, by layer name. */
async function weightsOf(checkpoint: string): Promise<Record<string, number[][]>> {
  const { model } = await loadCheckpoint(checkpoint);
  try {
    return Object.fromEntries(model.layers.filter((l) => l.getWeights().length).map((l) => [l.name, l.getWeights().map((w) => Array.from(w.dataSync()))]));
  } finally {
    model.dispose();
  }
}

describe('alexnet train --init-from and --freeze', () => {
  let data: string;
  let fewer: string;
  let source: string;
  beforeAll(async () => {
    const shapes = await tinyPreparedShapes('init-from', 9);
    data = shapes.data;
    // The same images without one class: a new task for the same network.
    const classes = await readdir(shapes.src);
    await rm(join(shapes.src, classes.sort()[0]!), { recursive: true });
    fewer = join(await temporaryFolder('init-from-fewer'), 'prepared');
    await prepareDataset(shapes.src, fewer, { size: 72, valFraction: 0.34 });
    const run = join(await temporaryFolder('init-from-source'), 'run');
    // --lrn alpha-over-n and --columns 1: settings the fine-tuned runs must take from the checkpoint.
    await runTrain(['--data', data, '--out', run, '--lrn', 'alpha-over-n', '--columns', '1', ...FLAGS], quiet);
    source = join(run, 'checkpoints', 'last');
  });

  it('other classes: every layer but fc8 starts from the checkpoint, with its network settings; --freeze keeps conv1–conv5 as they were', async () => {
    const run = join(await temporaryFolder('init-from-run'), 'run');
    const lines: string[] = [];
    await runTrain(['--data', fewer, '--out', run, '--init-from', source, '--freeze', 'conv5', ...FLAGS], (l) => lines.push(l));
    const [, there, here] = /fc8 starts afresh: (\d+) classes there, (\d+) here/.exec(lines.join('\n')) ?? [];
    expect(Number(here)).toBe(Number(there) - 1);
    expect(lines.join('\n')).toMatch(/frozen: conv1, conv2, conv3, conv4, conv5/);
    const [before, after] = [await weightsOf(source), await weightsOf(join(run, 'checkpoints', 'last'))];
    for (const layer of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']) expect(after[layer]).toEqual(before[layer]);
    expect(after.fc6).not.toEqual(before.fc6); // trained
    expect(after.fc8![1]!.length).toBe(Number(here));
    const state = (await loadCheckpoint(join(run, 'checkpoints', 'last'))).state;
    expect([state.config.lrn, state.config.columns]).toEqual(['alpha-over-n', 1]);
  });

  it('the same classes: fc8 too; without --freeze everything trains', async () => {
    const run = join(await temporaryFolder('init-from-same'), 'run');
    const lines: string[] = [];
    await runTrain(['--data', data, '--out', run, '--init-from', source, '--lr', '1e-9', '--momentum', '0', ...FLAGS], (l) => lines.push(l));
    expect(lines.join('\n')).not.toMatch(/afresh/);
    const [before, after] = [await weightsOf(source), await weightsOf(join(run, 'checkpoints', 'last'))];
    // One epoch at ε = 1e-9 moves the weights by almost nothing: they came from the checkpoint.
    for (const layer of Object.keys(before)) expect(Math.max(...after[layer]![0]!.map((v, i) => Math.abs(v - before[layer]![0]![i]!)))).toBeLessThan(1e-5);
  });

  it('refuses a network that does not fit, and flags that do not go together', async () => {
    const run = join(await temporaryFolder('init-from-bad'), 'run');
    await expect(
      runTrain(['--data', fewer, '--out', run, '--init-from', source, ...FLAGS.slice(0, 4), '--width', '0.125', ...FLAGS.slice(6)], quiet),
    ).rejects.toThrow(/--init-from .*: its conv1 has \[11,11,3,6\] \+ \[6\], this run's \[11,11,3,12\] \+ \[12\]/);
    await expect(runTrain(['--data', fewer, '--out', run, '--init-from', source, '--freeze', 'fc8', ...FLAGS], quiet)).rejects.toThrow(
      /--freeze fc8: name one of conv1/,
    );
    expect(() => parseTrainFlags(['--data', data, '--freeze', 'conv5'])).toThrow(/--freeze keeps the weights --init-from brings/);
    expect(() => parseTrainFlags(['--data', data, '--init-from', source, '--resume', source])).toThrow(/give one of them/);
  });
});
