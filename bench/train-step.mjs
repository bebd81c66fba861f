// Benchmark, not a test: images/s of one full-size AlexNet training step
// (single column, 227×227, 1000 classes, SGD + momentum) on a tfjs engine,
// side by side with PyTorch on the same machine; prints both and the ratio.
//   npm run bench:train -- [--engine wasm] [--batch 32] [--steps 3] [--size 227]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@alexnet/backend';
import { alexNet, logitsOf } from '@alexnet/app';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '3' },
    size: { type: 'string', default: '227' },
    'torch-threads': { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const size = Number(values.size);

const report = await initBackend({ prefer: values.engine });
tf.env().set('PROD', true);
const model = alexNet({ inputSize: size, classes: 1000 });
const logits = logitsOf(model);
const optimizer = tf.train.momentum(0.01, 0.9);
const x = tf.randomNormal([batch, size, size, 3]);
const ys = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 1000), 'int32'), 1000);
const step = async () => {
  const loss = tf.tidy(() => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, logits.apply(x, { training: true })), true));
  await loss.data();
  loss.dispose();
};
await step(); // warm-up: kernel setup, weight packing
const start = performance.now();
for (let i = 0; i < steps; i++) await step();
const ms = (performance.now() - start) / steps;
const ours = { engine: `tfjs ${report.engine}`, imagesPerSecond: (batch * 1000) / ms, msPerStep: ms };
console.log(`alexnet ${size}×${size} batch ${batch}, ${model.countParams().toLocaleString('en-US')} parameters, ${steps} timed steps`);
console.log(`${ours.engine.padEnd(36)} ${ours.imagesPerSecond.toFixed(2)} img/s  (${ours.msPerStep.toFixed(0)} ms/step)`);

const script = fileURLToPath(new URL('./train_step_torch.py', import.meta.url));
const torch = spawnSync(values.python, [script, String(size), String(batch), String(steps), values['torch-threads']], { encoding: 'utf8' });
if (torch.status !== 0) {
  console.log(`pytorch: not run (${(torch.stderr || torch.error?.message || '').trim().split('\n').at(-1)}); install it with apt-get install python3-torch`);
} else {
  const peer = JSON.parse(torch.stdout.trim().split('\n').at(-1));
  console.log(`${peer.engine.padEnd(36)} ${peer.imagesPerSecond.toFixed(2)} img/s  (${peer.msPerStep.toFixed(0)} ms/step)`);
  console.log(`ratio tfjs/pytorch: ${(ours.imagesPerSecond / peer.imagesPerSecond).toFixed(2)}×`);
}
