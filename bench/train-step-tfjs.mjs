// One measurement for bench/train-step.mjs, in its own process (one engine per process):
// the full AlexNet training step — the batch copied to the engine, forward with dropout,
// softmax cross-entropy, gradients, the paper's SGD with momentum and weight decay.
//   node bench/train-step-tfjs.mjs <engine> <columns> <size> <batch> <steps> [--profile]
// Prints one JSON line: { engine, imagesPerSecond, msPerStep, params, kernels? }.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@alexnet/backend';
import { alexNet, logitsOf } from '@alexnet/app';
import { sgdMomentum } from '@alexnet/train';

const [engine, columns, size, batch, steps] = process.argv.slice(2, 7).map((v, i) => (i === 0 ? v : Number(v)));
const profile = process.argv.includes('--profile');

const report = await initBackend({ prefer: engine, log: null });
tf.env().set('PROD', true);
const model = alexNet({ inputSize: size, classes: 1000, columns, init: 'paper', seed: 1 });
const logits = logitsOf(model);
const optimizer = sgdMomentum({ learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 });
// What the loader hands over: pixels in host memory, copied to the engine every step.
const pixels = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i * 0.37));
const labels = Int32Array.from({ length: batch }, (_, i) => i % 1000);

async function step() {
  const xs = tf.tensor4d(pixels, [batch, size, size, 3]);
  const ys = tf.tensor1d(labels, 'int32');
  const { value, grads } = tf.tidy(() => {
    const targets = tf.oneHot(ys, 1000);
    return tf.variableGrads(() => tf.losses.softmaxCrossEntropy(targets, logits.apply(xs, { training: true })));
  });
  optimizer.applyGradients(grads);
  await value.data();
  tf.dispose([xs, ys, value, ...Object.values(grads)]);
}

await step(); // warm-up: kernel setup, weight packing, memory pools
let kernels;
if (profile) {
  const info = await tf.profile(step);
  const byName = new Map();
  for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
  kernels = [...byName].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms }));
}
const start = performance.now();
for (let i = 0; i < steps; i++) await step();
const ms = (performance.now() - start) / steps;
console.log(
  JSON.stringify({ engine: report.engine, imagesPerSecond: (batch * 1000) / ms, msPerStep: ms, params: model.countParams(), ...(kernels ? { kernels } : {}) }),
);
