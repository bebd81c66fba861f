// One rank of bench/parallel.mjs, in a worker thread with its own engine: the two-column AlexNet's
// training step as the column split (this rank's column, the whole batch), data parallel (the
// whole network, this rank's half of the batch) or the hybrid (conv layers on half the batch, FC
// layers split), SGD with momentum and weight decay.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@alexnet/backend';
import { alexNet, logitsOf } from '@alexnet/app';
import {
  averageGradients,
  columnOpsOf,
  columnStep,
  columnWeightsOf,
  convTowerOf,
  hybridStep,
  rankContext,
  reportError,
  reportResult,
  timedTransport,
} from '@alexnet/parallel';
import { sgdMomentum } from '@alexnet/train';

const { rank, size, transport: plain, data } = await rankContext();
const transport = timedTransport(plain);
try {
  await initBackend({ prefer: data.engine, log: null });
  tf.env().set('PROD', true);
  const { mode, inputSize, batch, steps } = data;
  const model = alexNet({ inputSize, classes: 1000, columns: 2, init: 'paper', seed: 1 });
  const optimizer = sgdMomentum({ learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const local = mode === 'columns' ? batch : batch / size;
  const pixels = Float32Array.from({ length: local * inputSize * inputSize * 3 }, (_, i) => Math.sin((i + rank * 7) * 0.37));
  const labels = Int32Array.from({ length: local }, (_, i) => (i + rank) % 1000);
  let step;
  if (mode === 'columns') {
    const weights = columnWeightsOf(model, rank);
    const ops = columnOpsOf(model);
    let dropoutStep = 0;
    step = async (xs, ys) => {
      const { grads, logits } = await columnStep(transport, weights, ops, xs, ys, 1000, { training: true, dropoutStep: dropoutStep++ });
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [`column${rank}/${k}`, g])));
      tf.dispose([logits, ...Object.values(grads)]);
    };
  } else if (mode === 'hybrid') {
    const convTower = convTowerOf(model);
    const fc = columnWeightsOf(model, rank);
    const ops = columnOpsOf(model);
    let dropoutStep = 0;
    step = async (xs, ys) => {
      const { convGrads, fcGrads } = await hybridStep(transport, { convTower, fc }, ops, xs, ys, 1000, { training: true, dropoutStep: dropoutStep++ });
      optimizer.applyGradients({ ...convGrads, ...Object.fromEntries(Object.entries(fcGrads).map(([k, g]) => [`column${rank}/${k}`, g])) });
      tf.dispose([...Object.values(convGrads), ...Object.values(fcGrads)]);
    };
  } else {
    const logits = logitsOf(model);
    step = async (xs, ys) => {
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(ys, 1000), logits.apply(xs, { training: true }))));
      const averaged = await averageGradients(transport, grads);
      optimizer.applyGradients(averaged);
      tf.dispose([value, ...Object.values(grads), ...Object.values(averaged)]);
    };
  }
  const timedStep = async () => {
    const xs = tf.tensor4d(pixels, [local, inputSize, inputSize, 3]);
    const ys = tf.tensor1d(labels, 'int32');
    await step(xs, ys);
    tf.dispose([xs, ys]);
  };
  await timedStep(); // warm-up
  const [bytes0, wait0] = [transport.bytesSent, transport.waitMs];
  const start = performance.now();
  for (let i = 0; i < steps; i++) await timedStep();
  const ms = (performance.now() - start) / steps;
  reportResult({ rank, msPerStep: ms, waitMsPerStep: (transport.waitMs - wait0) / steps, bytesPerStep: (transport.bytesSent - bytes0) / steps });
} catch (error) {
  reportError(error);
}
