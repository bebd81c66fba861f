import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.js';
import { loadModel } from './model-files.js';
import { sgdMomentum } from './sgd-momentum.js';

// A checkpoint from someone else, modified one way at a time: each is refused naming the file.
let pristine: string;
const state: TrainState = {
  epoch: 1,
  batchInEpoch: 0,
  step: 3,
  schedule: { schedule: 'cosine' },
  dropoutSteps: {},
  best: { top1Error: 0.5, epoch: 1 },
  config: { crop: 8 },
  classes: ['a', 'b'],
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'fc', inputShape: [4], units: 2 })] });
  const optimizer = sgdMomentum({ learningRate: 0.1 });
  optimizer.applyGradients({
    [(model.trainableWeights[0]!.read() as tf.Variable).name]: tf.ones([4, 2]),
    [(model.trainableWeights[1]!.read() as tf.Variable).name]: tf.ones([2]),
  });
  pristine = join(await temporaryFolder('untrusted-ckpt'), 'checkpoints', 'last');
  await saveCheckpoint(pristine, model, optimizer, state);
});

async function copy(): Promise<string> {
  const { cp } = await import('node:fs/promises');
  const dir = join(await temporaryFolder('untrusted-ckpt-copy'), 'last');
  await cp(pristine, dir, { recursive: true });
  return dir;
}

async function editJson(file: string, edit: (value: Record<string, any>) => void): Promise<void> {
  const value = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
  edit(value);
  await writeFile(file, JSON.stringify(value));
}

describe('a checkpoint from someone else', () => {
  it('loads as saved', async () => {
    const loaded = await loadCheckpoint(pristine);
    expect(loaded.state).toEqual(state);
    loaded.model.dispose();
  });

  it('cannot name weights outside its folder, nor a FIFO or device', async () => {
    for (const path of ['../../../etc/hostname', '/dev/zero', 'sub/w.bin']) {
      const dir = await copy();
      await editJson(join(dir, 'model.json'), (m) => (m.weightsManifest[0].paths = [path]));
      await expect(loadModel(dir)).rejects.toThrow(`${JSON.stringify(path)} is not a plain file name inside ${dir}`);
    }
  });

  it('cannot make its plain-named weights file a FIFO or a link to a device', async () => {
    const { spawnSync } = await import('node:child_process');
    const { rm, symlink } = await import('node:fs/promises');
    for (const kind of ['fifo', 'device']) {
      const dir = await copy();
      const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      const weights = join(dir, manifest.weightsManifest[0].paths[0]);
      await rm(weights);
      if (kind === 'fifo') expect(spawnSync('mkfifo', [weights]).status).toBe(0);
      else await symlink('/dev/zero', weights);
      await expect(loadModel(dir)).rejects.toThrow(kind === 'fifo' ? `${weights}: not a regular file` : `${weights}: is a symbolic link`);
    }
  });

  it('cannot make tfjs allocate a layer its weights do not back', async () => {
    const dir = await copy();
    await editJson(join(dir, 'model.json'), (m) => (m.modelTopology.config.layers[0].config.units = 1_000_000));
    const before = tf.memory().numBytes;
    await expect(loadModel(dir)).rejects.toThrow(`'fc/kernel' has shape [4, 2] in the weights manifest, but the topology's layer makes it [4, 1000000]`);
    expect(tf.memory().numBytes).toBe(before);
    const huge = await copy();
    await editJson(join(huge, 'model.json'), (m) => {
      m.modelTopology.config.layers[0].config.units = 1_000_000;
      m.weightsManifest[0].weights[0].shape = [4, 1_000_000];
    });
    await expect(loadModel(huge)).rejects.toThrow(`'fc/bias' has shape [2] in the weights manifest, but the topology's layer makes it [1000000]`);
    // A giant input behind a small layer: the kernel it implies is [1e9, 2].
    const wide = await copy();
    await editJson(join(wide, 'model.json'), (m) => (m.modelTopology.config.layers[0].config.batch_input_shape = [null, 1e9]));
    await expect(loadModel(wide)).rejects.toThrow('batch_input_shape');
    const nested = await copy();
    await editJson(join(nested, 'model.json'), (m) => (m.modelTopology.config.layers[0].class_name = 'Bidirectional'));
    await expect(loadModel(nested)).rejects.toThrow('layer 0 is a Bidirectional; this loader reads only');
    expect(tf.memory().numBytes).toBe(before);
  });

  it('refuses non-finite weights and optimizer values', async () => {
    const dir = await copy();
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const weights = join(dir, manifest.weightsManifest[0].paths[0]);
    const values = new Float32Array((await readFile(weights)).buffer.slice(0));
    values[2] = Number.POSITIVE_INFINITY;
    await writeFile(weights, Buffer.from(values.buffer));
    await expect(loadModel(dir)).rejects.toThrow(`weight 'fc/kernel': value 2 is Infinity`);
    const opt = await copy();
    const bin = join(opt, 'optimizer.bin');
    const slots = new Float32Array((await readFile(bin)).buffer.slice(0));
    slots[1] = Number.NaN;
    await writeFile(bin, Buffer.from(slots.buffer));
    await expect(loadCheckpoint(opt)).rejects.toThrow(`${bin}: value 1 is NaN`);
  });

  it('refuses state.json fields of the wrong type or range, naming the field', async () => {
    const cases: Array<[string, (s: Record<string, any>) => void]> = [
      ['step', (s) => (s.step = 'abc')],
      ['epoch', (s) => (s.epoch = 1e308)],
      ['best', (s) => (s.best = 'x')],
      ['classes', (s) => (s.classes = 'abc')],
      ['classes', (s) => (s.classes = ['a', 'a'])],
      ['dropoutSteps.drop6', (s) => (s.dropoutSteps = { drop6: -1 })],
    ];
    for (const [field, edit] of cases) {
      const dir = await copy();
      await editJson(join(dir, 'state.json'), edit);
      await expect(loadCheckpoint(dir)).rejects.toThrow(`${join(dir, 'state.json')}: ${field}:`);
    }
  });
});
