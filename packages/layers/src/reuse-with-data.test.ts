import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { PixelStatistics, pcaLighting, seededRandom, subtractMean } from '@alexnet/data';
import { lrn, overlappingMaxPool } from './index.js';

// Steps like the README's "reuse" example (tests/installed runs that one as written), on wasm:
// LRN and the data package's PCA lighting in a small CNN that is not AlexNet, trained a few
// steps, saved and loaded back.

/** 16×16 images whose class is which of R, G, B dominates, on noise (0–255 bytes). */
function colourImages(count: number, seed: number): { images: Uint8Array; labels: number[] } {
  const random = seededRandom(seed);
  const images = new Uint8Array(count * 16 * 16 * 3);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels.push(label);
    for (let p = 0; p < 256; p++) {
      for (let c = 0; c < 3; c++) images[(i * 256 + p) * 3 + c] = Math.floor(random() * 120) + (c === label ? 120 : 0);
    }
  }
  return { images, labels };
}

function smallCnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
  );
  model.add(lrn()); // the paper's n=5, k=2, α=1e-4, β=0.75
  model.add(overlappingMaxPool()); // 3×3, stride 2
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }));
  return model;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
});

describe('LRN and PCA lighting reused in another model', () => {
  it('trains a few steps, then saves and loads with the same outputs', async () => {
    const { images, labels } = colourImages(24, 7);
    const stats = new PixelStatistics(16);
    for (let i = 0; i < 24; i++) stats.add(images.subarray(i * 768, (i + 1) * 768));
    const eigen = stats.result(); // eigenvalues on the 0–255 scale, pixelScale 255
    const random = seededRandom(3);
    const x = tf.tensor4d(images, [24, 16, 16, 3], 'float32');
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const model = smallCnn();
    const optimizer = tf.train.sgd(0.05);
    const loss = (input: tf.Tensor4D) => tf.losses.softmaxCrossEntropy(y, model.apply(input) as tf.Tensor) as tf.Scalar;
    const evaluate = () => tf.tidy(() => loss(subtractMean(x, eigen.channelMean).div(64) as tf.Tensor4D).dataSync()[0]!);

    const before = evaluate();
    for (let step = 0; step < 8; step++) {
      tf.tidy(() => {
        // §4.1 lighting on the 0–255 pixels, then mean subtraction and scaling.
        const lit = pcaLighting(x, eigen, { sigma: 0.1, random });
        const input = subtractMean(lit, eigen.channelMean).div(64) as tf.Tensor4D;
        optimizer.minimize(() => loss(input));
      });
    }
    const after = evaluate();
    expect(after).toBeLessThan(before * 0.8);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(JSON.stringify(saved!.modelTopology)).toContain('AlexNetLocalResponseNormalization');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const probe = subtractMean(x, eigen.channelMean).div(64);
    const [a, b] = [model.predict(probe) as tf.Tensor, loaded.predict(probe) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, y, probe, a, b]);
    optimizer.dispose();
  });
});
