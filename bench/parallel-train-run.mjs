// One measurement for bench/parallel-train.mjs, in its own process: the two-column AlexNet's
// training step placed over 2 devices by placeTraining — the path `alexnet train --parallel` runs —
// this process rank 0, the other a worker thread or a child process.
//   node bench/parallel-train-run.mjs <engine> <columns|data|hybrid> <threads|processes> <size> <batch> <steps>
// Prints one JSON line: { msPerStep, imagesPerSecond, commShare, bytesPerStep, inputBytesPerStep }.
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { initBackend } from '@alexnet/backend';
import { alexNet } from '@alexnet/app';
import { placeTraining } from '@alexnet/parallel';
import { sgdMomentum } from '@alexnet/train';

const [engine, kind, transport, size, batch, steps] = process.argv.slice(2, 8).map((v, i) => (i < 3 ? v : Number(v)));
// The native engine's threads divided between the two processes (TensorFlow reads this when it starts).
const threads = String(Math.max(1, Math.floor(availableParallelism() / 2)));
if (transport === 'processes') process.env.TF_NUM_INTRAOP_THREADS ??= threads;
const report = await initBackend({ prefer: engine, log: null });
tf.env().set('PROD', true);
const model = alexNet({ inputSize: size, classes: 1000, columns: 2, init: 'paper', seed: 1 });
const optimizer = sgdMomentum({ learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 });
const placement = await placeTraining({
  kind,
  devices: 2,
  transport,
  model,
  optimizer,
  engine: report.engine,
  ...(transport === 'processes' ? { env: () => ({ TF_NUM_INTRAOP_THREADS: process.env.TF_NUM_INTRAOP_THREADS }) } : {}),
});
// What the loader hands over: pixels in host memory.
const pixels = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i * 0.37));
const labels = Int32Array.from({ length: batch }, (_, i) => i % 1000);
async function step() {
  const xs = tf.tensor4d(pixels, [batch, size, size, 3]);
  const ys = tf.tensor1d(labels, 'int32');
  const { grads } = await placement.gradients(xs, ys, 1000);
  tf.dispose([xs, ys]);
  await placement.apply(grads, 0.01);
  tf.dispose(Object.values(grads));
}
try {
  await step(); // warm-up: kernels compiled, memory allocated
  placement.lastStep();
  let ms = 0;
  const comm = { seconds: 0, bytes: 0, input: 0 };
  for (let i = 0; i < steps; i++) {
    const started = performance.now();
    await step();
    ms += performance.now() - started;
    const s = placement.lastStep();
    comm.seconds += s.commSeconds;
    comm.bytes += s.bytesSent;
    comm.input += s.inputBytesSent;
  }
  const msPerStep = ms / steps;
  console.log(
    JSON.stringify({
      engine: report.engine,
      kind,
      transport,
      msPerStep,
      imagesPerSecond: (batch * 1000) / msPerStep,
      commShare: (comm.seconds * 1000) / ms,
      bytesPerStep: comm.bytes / steps,
      inputBytesPerStep: comm.input / steps,
      intraOpThreads: transport === 'processes' ? Number(process.env.TF_NUM_INTRAOP_THREADS) : null,
    }),
  );
} finally {
  await placement.close();
}
