import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { maxAbsDifference, temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { loadModel } from '@alexnet/train';
import { runExport } from './export-command.js';
import { runImport } from './import-command.js';
import { loadInference } from './inference.js';
import { nhwcToNchw } from './onnx/onnx-layout.js';
import { TORCHVISION_MEAN, TORCHVISION_STD } from './onnx/torchvision-preprocessing.js';

const TORCHVISION = fileURLToPath(new URL('./fixtures/onnx/torchvision-alexnet.onnx', import.meta.url));
const quiet = () => undefined;

/** Deterministic 256×256 RGB pixels. */
function pixels(seed: number): Uint8Array {
  return Uint8Array.from({ length: 256 * 256 * 3 }, (_, i) => Math.floor(127.5 + 127.5 * Math.sin(0.0137 * i * seed + seed)));
}

/** onnxruntime-node's output of an ONNX file for NHWC input. */
async function runOnnx(file: string, nhwc: Float32Array, [n, h, w, c]: [number, number, number, number]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', nhwcToNchw(nhwc, [n, h, w, c]), [n, c, h, w]) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const softmax = (logits: Float32Array, classes: number) =>
  tf.tidy(() => tf.softmax(tf.tensor2d(logits, [logits.length / classes, classes])).dataSync() as Float32Array);
const top5 = (p: ArrayLike<number>) => [...Array(p.length).keys()].sort((a, b) => p[b]! - p[a]!).slice(0, 5);

describeEachEngine('alexnet import and export', (engine) => {
  let dir: string;
  let imported: string;
  beforeAll(async () => {
    dir = await temporaryFolder('onnx-commands');
    imported = join(dir, 'torchvision');
    const names = join(dir, 'names.txt');
    await writeFile(names, Array.from({ length: 10 }, (_, i) => `category ${i % 9}`).join('\n') + '\n'); // names may repeat, as torchvision's do
    const result = await runImport([TORCHVISION, '--out', imported, '--class-names', names, '--backend', engine], quiet);
    expect(result.preprocessing).toBe('torchvision');
  });

  it("import: torchvision's file with this project's preprocessing gives what onnxruntime gives on torchvision's normalisation", async () => {
    const inference = await loadInference(imported);
    try {
      expect(inference.names.slice(0, 2)).toEqual(['category 0', 'category 1']);
      expect(inference.classes[0]).toBe('0');
      const images = [pixels(1), pixels(2)];
      const ours = tf.tidy(() => {
        const batch = tf.stack(images.map((p) => inference.normalize(p).slice([16, 16, 0], [224, 224, 3])));
        return inference.model.predict(batch) as tf.Tensor2D;
      });
      const got = ours.dataSync();
      ours.dispose();
      // torchvision's transform of the same center crops: (p / 255 − mean) / std.
      const crops = new Float32Array(2 * 224 * 224 * 3);
      images.forEach((p, n) => {
        for (let y = 0; y < 224; y++)
          for (let x = 0; x < 224; x++)
            for (let c = 0; c < 3; c++)
              crops[((n * 224 + y) * 224 + x) * 3 + c] = (p[((y + 16) * 256 + x + 16) * 3 + c]! / 255 - TORCHVISION_MEAN[c]!) / TORCHVISION_STD[c]!;
      });
      const expected = softmax(await runOnnx(TORCHVISION, crops, [2, 224, 224, 3]), 10);
      expect(maxAbsDifference(got, expected)).toBeLessThan(1e-4);
      expect([top5(got.slice(0, 10)), top5(got.slice(10))]).toEqual([top5(expected.slice(0, 10)), top5(expected.slice(10))]);
    } finally {
      inference.dispose();
    }
  });

  it('export --format onnx runs in onnxruntime like tfjs, and imports back to the same checkpoint', async () => {
    const file = join(dir, `${engine}.onnx`);
    await runExport(['--checkpoint', imported, '--format', 'onnx', '--out', file, '--backend', engine], quiet);
    const back = join(dir, `${engine}-back`);
    expect((await runImport([file, '--out', back, '--backend', engine], quiet)).preprocessing).toBe('carried');
    const [a, b] = [await loadInference(imported), await loadInference(back)];
    try {
      const x = tf.tidy(() => tf.stack([a.normalize(pixels(3)).slice([16, 16, 0], [224, 224, 3])]) as tf.Tensor4D);
      const p = tf.tidy(() => (a.model.predict(x) as tf.Tensor).dataSync());
      expect(maxAbsDifference(await runOnnx(file, x.dataSync() as Float32Array, [1, 224, 224, 3]), p)).toBeLessThan(1e-4);
      x.dispose();
      expect([b.classes, b.names, b.crop, b.mean, b.scale]).toEqual([a.classes, a.names, a.crop, a.mean, a.scale]);
      a.model.getWeights().forEach((w, i) => expect(maxAbsDifference(w.dataSync(), b.model.getWeights()[i]!.dataSync())).toBe(0));
      expect(maxAbsDifference(a.normalize(pixels(4)).dataSync(), b.normalize(pixels(4)).dataSync())).toBe(0);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('export --format tfjs writes the model with its preprocessing and no optimizer state', async () => {
    const out = join(dir, `${engine}-tfjs`);
    await runExport(['--checkpoint', imported, '--format', 'tfjs', '--out', out, '--backend', engine], quiet);
    const files = (await readdir(out)).sort();
    expect(files.filter((f) => !f.startsWith('weights-'))).toEqual(['class-names.json', 'mean-image.f32', 'model.json', 'preprocessing.json', 'stats.json']);
    expect(JSON.parse(await readFile(join(out, 'preprocessing.json'), 'utf8'))).toMatchObject({ crop: 224, mean: 'channel', scale: 1 / 255 });
    const [model, inference] = [await loadModel(out), await loadInference(imported)];
    try {
      inference.model.getWeights().forEach((w, i) => expect(maxAbsDifference(w.dataSync(), model.getWeights()[i]!.dataSync())).toBe(0));
    } finally {
      model.dispose();
      inference.dispose();
    }
  });
});

it('import and export refuse to overwrite, and check --class-names', async () => {
  const dir = await temporaryFolder('onnx-refusals');
  await expect(runImport([TORCHVISION, '--out', dir], quiet)).rejects.toThrow(/--out .* exists; choose a new folder/);
  const names = join(dir, 'names.txt');
  await writeFile(names, 'a\nb\n');
  await expect(runImport([TORCHVISION, '--out', join(dir, 'x'), '--class-names', names], quiet)).rejects.toThrow(
    /names\.txt has 2 lines; the network has 10 outputs/,
  );
  await expect(runExport(['--checkpoint', dir, '--format', 'onnx', '--out', dir], quiet)).rejects.toThrow(/--out .* exists/);
  expect(await readdir(dir)).toEqual(['names.txt']); // nothing half-written left behind
});
