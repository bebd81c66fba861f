import * as tf from '@tensorflow/tfjs';
import { readFile, readdir, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { BatchLoader, prepareDataset, writeSyntheticShapes } from '@alexnet/data';
import { seededDropout } from '@alexnet/layers';
import { loadCheckpoint, resolveCheckpoint, type TrainState } from './checkpoint.js';
import { parseLrSchedule } from './lr-schedules.js';
import { sgdMomentum } from './sgd-momentum.js';
import { NonFiniteLossError, trainLoop, type TrainLoopOptions } from './train-loop.js';
import type { BatchSource } from './batch-source.js';

let data: string;
let classes: string[];

beforeAll(async () => {
  const src = await temporaryFolder('train-src');
  await writeSyntheticShapes(src, { perClass: 4, seed: 2 });
  data = join(await temporaryFolder('train-data'), 'prepared');
  classes = (await prepareDataset(src, data, { size: 12, valFraction: 0.25 })).index.classes;
});

/** A tiny CNN with seeded dropout, so resuming must also restore the mask stream. */
function tinyModel(dropout = true): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      name: 'conv1',
      inputShape: [10, 10, 3],
      filters: 4,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
    }),
  );
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc7', units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }));
  if (dropout) model.add(seededDropout({ name: 'drop7', rate: 0.5, seed: 11 }));
  model.add(tf.layers.dense({ name: 'fc8', units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }));
  return model;
}

function freshState(): TrainState {
  return {
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    schedule: parseLrSchedule('plateau', { initial: 0.05, epochs: 3, stepsPerEpoch: 7 }).initialState(),
    dropoutSteps: {},
    best: null,
    config: { arch: 'tiny' },
    classes,
  };
}

async function run(runDir: string, model: tf.LayersModel, epochs: number, extra: Partial<TrainLoopOptions> = {}, batchSize = 4) {
  const train = await BatchLoader.open(data, { split: 'train', batchSize, crop: 10, seed: 5, scale: 1 / 64, workers: 0 });
  const val = await BatchLoader.open(data, { split: 'val', batchSize: 5, crop: 10, scale: 1 / 64, workers: 0 });
  const optimizer = extra.optimizer ?? sgdMomentum({ learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  try {
    return await trainLoop({
      logits: model,
      model,
      optimizer,
      schedule: parseLrSchedule('plateau', { initial: 0.05, epochs, stepsPerEpoch: 7 }),
      train,
      val,
      epochs,
      runDir,
      state: freshState(),
      ...extra,
    });
  } finally {
    await Promise.all([train.close(), val.close()]);
  }
}

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  return (await Promise.all(model.getWeights().map((w) => w.data()))).flatMap((d) => [...d]);
}

/** Continues a run from its last checkpoint, as `alexnet train --resume` does. */
async function resume(runDir: string, epochs: number) {
  const checkpoint = await loadCheckpoint(join(runDir, 'checkpoints', 'last'));
  const optimizer = sgdMomentum({ learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  await optimizer.setWeights(checkpoint.optimizerWeights(checkpoint.model)!);
  await run(runDir, checkpoint.model, epochs, { optimizer, state: checkpoint.state });
  return checkpoint.model;
}

describeEachEngine('trainLoop', () => {
  it('2 epochs straight equal 1 epoch, resume, 1 epoch exactly — and a resume from mid-epoch', async () => {
    const straight = tinyModel();
    await run(await temporaryFolder('run-a'), straight, 2);
    const expected = await weightsOf(straight);

    const split = await temporaryFolder('run-b');
    await run(split, tinyModel(), 1);
    // best is a model to use: no optimizer state (state.json says so); last keeps it, to continue.
    const best = await loadCheckpoint(join(split, 'checkpoints', 'best'));
    expect([best.state.optimizerState, best.optimizerWeights(best.model)]).toEqual([false, undefined]);
    expect(await readdir(join(split, 'checkpoints', 'best'))).not.toContain('optimizer.bin');
    best.model.dispose();
    const resumed = await resume(split, 2);
    const difference = Math.max(...(await weightsOf(resumed)).map((w, i) => Math.abs(w - expected[i]!)));
    expect(difference).toBe(0);

    const interrupted = await temporaryFolder('run-c');
    const controller = new AbortController();
    const stopped = await run(interrupted, tinyModel(), 2, { signal: controller.signal, onBatch: ({ batch }) => batch === 3 && controller.abort() });
    expect([stopped.stopped, stopped.state.epoch, stopped.state.batchInEpoch]).toEqual([true, 0, 3]);
    const midway = await resume(interrupted, 2);
    expect(Math.max(...(await weightsOf(midway)).map((w, i) => Math.abs(w - expected[i]!)))).toBe(0);
    const metrics = (await readFile(join(split, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2]);
    const csv = (await readFile(join(split, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('epoch,learningRate,trainLoss,trainTop1Error,valLoss,top1,top5,top1Error,top5Error,imagesPerSecond,seconds');
    expect(csv).toHaveLength(3);
  });

  it('lists each epoch once in the metrics after a crash between appending them and saving the checkpoint', async () => {
    const runDir = await temporaryFolder('metrics-once');
    await run(runDir, tinyModel(), 1);
    // As if epoch 2's metrics were appended and the process killed before its checkpoint.
    const jsonl = await readFile(join(runDir, 'metrics.jsonl'), 'utf8');
    await writeFile(join(runDir, 'metrics.jsonl'), jsonl + jsonl.replace('"epoch":1', '"epoch":2') + '{"epoch":3, cut short');
    const csv = await readFile(join(runDir, 'metrics.csv'), 'utf8');
    await writeFile(join(runDir, 'metrics.csv'), csv + csv.split('\n')[1]!.replace(/^1,/, '2,') + '\n');
    await resume(runDir, 2);
    const epochs = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([1, 2]);
    expect(
      (await readFile(join(runDir, 'metrics.csv'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(['epoch', '1', '2']);
  });

  it('refuses a state past the end of its epoch', async () => {
    const runDir = await temporaryFolder('past-epoch');
    await expect(run(runDir, tinyModel(), 1, { state: { ...freshState(), batchInEpoch: 1e6 } })).rejects.toThrow('past the 7 steps an epoch has here');
  });

  it('stops within one step of its signal, mid-epoch, saving where it stopped', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 0);
    const runDir = await temporaryFolder('signal');
    const result = await run(runDir, tinyModel(), 1, { signal: controller.signal }, 2);
    expect([result.stopped, result.state.epoch, result.state.batchInEpoch]).toEqual([true, 0, 1]);
    expect((await loadCheckpoint(join(runDir, 'checkpoints', 'last'))).state.batchInEpoch).toBe(1);
  });

  it('averages the gradients of micro-batches: 2 × 4 images per step equals 8 at once', async () => {
    const whole = tinyModel(false);
    await run(await temporaryFolder('acc-a'), whole, 1, {}, 8);
    const parts = tinyModel(false);
    await run(await temporaryFolder('acc-b'), parts, 1, { accumulate: 2 }, 4);
    const a = await weightsOf(whole);
    expect(Math.max(...(await weightsOf(parts)).map((w, i) => Math.abs(w - a[i]!)))).toBeLessThan(1e-5);
  });

  it('does not grow the tensor count from step to step', async () => {
    const counts: number[] = [];
    await run(await temporaryFolder('leak'), tinyModel(), 1, { onBatch: () => counts.push(tf.memory().numTensors) });
    expect(counts.length).toBeGreaterThan(3);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('stops on a NaN loss, leaving the last good checkpoint as it was', async () => {
    const runDir = await temporaryFolder('nan');
    const model = tinyModel();
    await run(runDir, model, 1);
    const last = join(runDir, 'checkpoints', 'last');
    const before = await readFile(join(last, 'state.json'), 'utf8');
    const checkpoint = await loadCheckpoint(last);
    // A diverged weight: what a too-high learning rate leaves behind.
    const fc8 = checkpoint.model.getLayer('fc8');
    const [kernel, bias] = fc8.getWeights();
    fc8.setWeights([tf.fill(kernel!.shape, NaN), bias!]);
    const failure = run(runDir, checkpoint.model, 3, { state: checkpoint.state });
    await expect(failure).rejects.toBeInstanceOf(NonFiniteLossError);
    await expect(failure).rejects.toThrow(`${last} is the last good checkpoint`);
    expect(await readFile(join(last, 'state.json'), 'utf8')).toBe(before);
  });

  it('refuses a damaged checkpoint, naming the file, and survives a save cut between its renames', async () => {
    const runDir = await temporaryFolder('damaged');
    await run(runDir, tinyModel(), 1);
    const last = join(runDir, 'checkpoints', 'last');
    await truncate(join(last, 'optimizer.bin'), 10);
    await expect(loadCheckpoint(last)).rejects.toThrow(
      `${join(last, 'optimizer.bin')}: 10 bytes where 5292 were expected (optimizer.json describes 5292 bytes: truncated?)`,
    );

    const other = await temporaryFolder('damaged');
    await run(other, tinyModel(), 1);
    const good = join(other, 'checkpoints', 'last');
    const weights = (await readdir(good)).find((n) => n.startsWith('weights-'))!;
    await truncate(join(good, weights), 100);
    await expect(loadCheckpoint(good)).rejects.toThrow('weights hold 100 bytes, model.json describes');

    // A crash after `last` was moved aside but before the new one took its place.
    const third = await temporaryFolder('swap');
    await run(third, tinyModel(), 1);
    const moved = join(third, 'checkpoints', '.last-old-cafe');
    await rename(join(third, 'checkpoints', 'last'), moved);
    expect(await resolveCheckpoint(join(third, 'checkpoints', 'last'))).toBe(moved);
    await unlink(join(moved, 'state.json'));
    await expect(loadCheckpoint(join(third, 'checkpoints', 'last'))).rejects.toThrow('not a checkpoint (no state.json)');
  });
});

describeEachEngine('trainLoop with any batch source', () => {
  it('trains from a plain object with count, batchSize, batchesPerEpoch and epoch() — no @alexnet/data loader', async () => {
    const classes = freshState().classes.length;
    const source = (batches: number): BatchSource => ({
      count: 4 * batches,
      batchSize: 4,
      batchesPerEpoch: batches,
      async *epoch(epoch, skip = 0) {
        for (let b = skip; b < batches; b++) {
          yield {
            xs: tf.randomUniform([4, 10, 10, 3], 0, 1, 'float32', 100 * epoch + b) as tf.Tensor4D,
            ys: tf.tensor1d(
              [0, 1, 2, 3].map((i) => (i + b) % classes),
              'int32',
            ),
          };
        }
      },
    });
    const model = tinyModel();
    const runDir = await temporaryFolder('run-source');
    const result = await trainLoop({
      logits: model,
      model,
      optimizer: sgdMomentum({ learningRate: 0.05 }),
      schedule: parseLrSchedule('plateau', { initial: 0.05, epochs: 1, stepsPerEpoch: 3 }),
      train: source(3),
      val: source(1),
      epochs: 1,
      runDir,
      state: freshState(),
    });
    expect([result.state.epoch, result.state.step]).toEqual([1, 3]);
    expect(await readdir(join(runDir, 'checkpoints'))).toEqual(expect.arrayContaining(['last', 'best']));
    model.dispose();
  });
});
