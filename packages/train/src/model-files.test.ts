import * as tf from '@tensorflow/tfjs';
import { readFile, readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { loadModel, saveModel } from './model-files.js';

function smallModel(): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
  });
}

describeEachEngine('saveModel / loadModel', () => {
  it('round-trips the tfjs layers format', async () => {
    const dir = join(await temporaryFolder('model'), 'model');
    const model = smallModel();
    await saveModel(model, dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    const [weightsFile] = json.weightsManifest[0].paths;
    expect(weightsFile).toMatch(/^weights-[0-9a-f]{12}\.bin$/);
    const loaded = await loadModel(dir);
    const x = tf.ones([1, 8, 8, 3]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    // Saving again writes new weights, then switches model.json, then drops the old file.
    await saveModel(loaded, dir);
    expect((await loadModel(dir)).countParams()).toBe(model.countParams());
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files).not.toContain(weightsFile);
  });

  it('accepts a folder path with a trailing slash', async () => {
    const dir = join(await temporaryFolder('model'), 'model') + '/';
    await saveModel(smallModel(), dir);
    await saveModel(smallModel(), dir);
    expect((await readdir(dir)).length).toBe(2);
    expect((await loadModel(dir)).countParams()).toBe(smallModel().countParams());
  });

  it('refuses truncated weights, naming the folder', async () => {
    const dir = join(await temporaryFolder('model'), 'model');
    await saveModel(smallModel(), dir);
    const [weightsFile] = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths;
    await truncate(join(dir, weightsFile), 100);
    await expect(loadModel(dir)).rejects.toThrow(`${dir}: weights hold 100 bytes`);
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow('model.json: cannot be opened (ENOENT)');
  });
});
