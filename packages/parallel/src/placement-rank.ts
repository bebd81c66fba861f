// A helper rank of placeTraining (placed-training.ts), in a worker thread or a child process:
// it loads the run's engine, rebuilds the model from its topology, takes rank 0's weights and
// velocities, then does its share of each command rank 0 sends until told to stop.
import * as tf from '@tensorflow/tfjs';
import '@alexnet/layers';
import { initBackend } from '@alexnet/backend';
import { GradientSums, sgdMomentum, trainableVariables } from '@alexnet/train';
import type { ColumnLayer } from './column-split.js';
import type { PlacementRankData } from './placed-training.js';
import { OP, receiveCommand, receiveTensors, sendTensors, type Command } from './placement-protocol.js';
import { columnPart, dataPart, hybridPart, layerVariableOf, type RankPart } from './rank-parts.js';
import { rankContext, reportError, reportResult } from './thread-ranks.js';
import { RankTimeoutError, type Transport } from './transport.js';

// A helper process whose rank 0 has gone has nothing left to do.
if (typeof process.send === 'function') process.on('disconnect', () => process.exit(1));

const { rank, transport, data } = await rankContext<PlacementRankData>();
try {
  await initBackend({ prefer: data.engine as never });
  tf.env().set('PROD', true);
  const part = await setUp(transport, data, rank);
  // Summed over the step's micro-batches exactly as trainLoop sums rank 0's.
  const sums = new GradientSums();
  for (;;) {
    const command = await nextCommand(transport);
    if (command.op === OP.stop) break;
    if (command.op === OP.gradients) {
      const [rows, offset, total, dropoutStep] = command.args;
      const pixels = data.crop * data.crop * 3;
      const xs = tf.tensor4d(await transport.receive(0, rows * pixels), [rows, data.crop, data.crop, 3]);
      const ys = tf.tensor1d(await transport.receive(0, rows), 'int32');
      const { grads } = await part.gradients(xs, ys, data.classes, { offset, total, dropoutStep });
      tf.dispose([xs, ys]);
      sums.add(grads);
    } else if (command.op === OP.apply) {
      await sums.takeMean((mean) => part.apply(mean, command.args[0]));
    } else if (command.op === OP.sync) {
      const state = part.heldState();
      await sendTensors(transport, 0, state);
      tf.dispose(state);
    }
  }
  part.dispose();
  reportResult({ bytesSent: transport.bytesSent });
} catch (error) {
  reportError(error);
}

/** Waits for rank 0's next command as long as rank 0 is there: it may be validating or writing a checkpoint for a long time. */
async function nextCommand(transport: Transport): Promise<Command> {
  for (;;) {
    try {
      return await receiveCommand(transport);
    } catch (error) {
      if (!(error instanceof RankTimeoutError)) throw error;
    }
  }
}

async function setUp(transport: Transport, data: PlacementRankData, rank: number): Promise<RankPart> {
  const model = (await tf.models.modelFromJSON({ modelTopology: data.modelTopology } as never)) as tf.LayersModel;
  const weights = await receiveTensors(
    transport,
    0,
    model.weights.map((w) => w.shape as number[]),
  );
  model.setWeights(weights);
  tf.dispose(weights);
  const variables = trainableVariables(model);
  const velocities = await receiveTensors(
    transport,
    0,
    variables.map((v) => v.shape),
  );
  const velocityOf = new Map(variables.map((v, i) => [v.name, velocities[i]!]));
  const slots = () => variables.map((v, i) => ({ name: `${v.name}/velocity`, tensor: velocities[i]! }));
  const iter = () => ({ name: 'iter', tensor: tf.scalar(0, 'int32') });
  const fullVelocity = (layer: ColumnLayer, which: 'kernel' | 'bias') => {
    const v = layerVariableOf(model, layer, which);
    return v ? velocityOf.get(v.name) : undefined;
  };
  try {
    if (data.kind === 'data') {
      const optimizer = sgdMomentum(data.optimizer);
      await optimizer.setWeights([iter(), ...slots()]);
      return dataPart(transport, model, optimizer);
    }
    if (data.kind === 'columns') return await columnPart(transport, model, { rank: 1, optimizer: data.optimizer, fullVelocity });
    const convOptimizer = sgdMomentum(data.optimizer);
    await convOptimizer.setWeights([iter(), ...slots()]);
    return await hybridPart(transport, model, { rank: 1, optimizer: data.optimizer, fullVelocity, convOptimizer });
  } finally {
    tf.dispose(velocities);
  }
}
