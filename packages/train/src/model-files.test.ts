import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { loadModel, saveModel } from './model-files.js';

function smallModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  });
}

describe('saveModel / loadModel', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it('round-trips the tfjs layers format', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'model-')), 'model');
    const model = smallModel();
    await saveModel(model, dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const loaded = await loadModel(dir);
    const x = tf.ones([1, 8, 8, 3]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    // Saving again replaces the folder as a whole.
    await saveModel(loaded, dir);
    expect((await loadModel(dir)).countParams()).toBe(model.countParams());
  });

  it('refuses truncated weights, naming the folder', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'model-')), 'model');
    await saveModel(smallModel(), dir);
    await truncate(join(dir, 'weights.bin'), 100);
    await expect(loadModel(dir)).rejects.toThrow(`${dir}: weights hold 100 bytes`);
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow('model.json: cannot read model');
  });
});
