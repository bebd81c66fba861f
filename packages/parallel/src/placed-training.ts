import * as tf from '@tensorflow/tfjs';
import { trainableVariables, type SgdMomentumConfig, type SgdMomentumOptimizer, type StepCommunication, type StepPlacement } from '@alexnet/train';
import { joinColumns, type ColumnLayer } from './column-split.js';
import { startHelperRanks, type HelperRanks, type TransportKind } from './helper-ranks.js';
import { OP, sendCommand, sendTensors, receiveTensors } from './placement-protocol.js';
import { columnPart, dataPart, dropoutLayers, heldLayout, hybridPart, layerVariableOf, type PlacementKind, type RankPart } from './rank-parts.js';
import { timedTransport } from './transport.js';

export interface PlacedTrainingOptions {
  kind: PlacementKind;
  /** Ranks, this thread (rank 0) included. The column split and the hybrid take 2. */
  devices: number;
  transport: TransportKind;
  /** The run's model and optimizer (a checkpoint's state already restored): rank 0's, and what is saved. */
  model: tf.LayersModel;
  optimizer: SgdMomentumOptimizer;
  /** The engine every helper loads (the one rank 0 runs on). */
  engine: string;
  /** Added to each helper process's environment (e.g. CUDA_VISIBLE_DEVICES, TF_NUM_INTRAOP_THREADS). */
  env?: (rank: number) => Record<string, string>;
  timeoutMs?: number;
}

export interface PlacedTraining extends StepPlacement {
  /** Rejects when a helper rank fails (its rank and cause in the message). */
  failed: Promise<never>;
  /** Tells the helpers to stop and waits for them (stops them after a grace period). */
  close(): Promise<void>;
}

/** What a helper rank is started with (placement-rank.ts). */
export interface PlacementRankData {
  kind: PlacementKind;
  engine: string;
  modelTopology: object;
  optimizer: SgdMomentumConfig;
  crop: number;
  classes: number;
}

/** The helper ranks' module: built code runs the .js beside this file, tests and tsx the .ts. */
const rankModule = new URL(`./placement-rank${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * Training placed over `devices` ranks: this thread is rank 0 (the run's loader,
 * validation and files stay here) and starts the others. Returns the
 * StepPlacement trainLoop takes: every micro-batch is handed out as the
 * placement splits it (data parallel: rows; column split: all of it to both
 * columns; hybrid: rows for the conv tower), and `sync` gathers what the other
 * rank holds into the model and the optimizer, so checkpoints are the
 * single-device two-column model's.
 */
export async function placeTraining(options: PlacedTrainingOptions): Promise<PlacedTraining> {
  const { kind, devices, model, optimizer } = options;
  if (kind !== 'data' && devices !== 2)
    throw new Error(`placeTraining: the ${kind === 'columns' ? 'column split' : 'hybrid'} runs on 2 devices, not ${devices}`);
  if (!(Number.isInteger(devices) && devices >= 2)) throw new Error(`placeTraining: devices must be an integer ≥ 2, got ${devices}`);
  const inputShape = model.inputs[0]!.shape;
  const crop = inputShape[1]!;
  const optimizerConfig = optimizer.getConfig() as unknown as SgdMomentumConfig;
  const data: PlacementRankData = {
    kind,
    engine: options.engine,
    modelTopology: model.toJSON(null, false) as object,
    optimizer: optimizerConfig,
    crop,
    classes: model.outputs[0]!.shape[1]!,
  };
  const helpers: HelperRanks = startHelperRanks({
    moduleUrl: rankModule,
    size: devices,
    transport: options.transport,
    data: () => data,
    ...(options.env ? { env: options.env } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  let part: RankPart | undefined;
  try {
    const transport = timedTransport(helpers.transport);
    const variables = trainableVariables(model);
    // Every helper starts from the run's weights and velocities (zeros for a velocity not yet made: the same first step).
    const velocities = variables.map((v) => optimizer.velocity(v.name) ?? tf.zerosLike(v));
    for (let rank = 1; rank < devices; rank++) {
      await sendTensors(
        transport,
        rank,
        model.weights.map((w) => w.read()),
      );
      await sendTensors(transport, rank, velocities);
    }
    velocities.forEach((v, i) => v !== optimizer.velocity(variables[i]!.name) && v.dispose());
    const fullVelocity = (layer: ColumnLayer, which: 'kernel' | 'bias') => {
      const v = layerVariableOf(model, layer, which);
      return v ? optimizer.velocity(v.name) : undefined;
    };
    part =
      kind === 'data'
        ? dataPart(transport, model, optimizer)
        : kind === 'columns'
          ? await columnPart(transport, model, { rank: 0, optimizer: optimizerConfig, fullVelocity })
          : await hybridPart(transport, model, { rank: 0, optimizer: optimizerConfig, fullVelocity, convOptimizer: optimizer });
    const own = part;
    const drops = dropoutLayers(model);
    let iterations = optimizer.iterations;
    let inputBytes = 0;
    let since = { wait: transport.waitMs, bytes: transport.bytesSent, input: 0 };

    return {
      failed: helpers.failed,
      async gradients(xs, ys, classes) {
        const total = ys.shape[0];
        const dropoutStep = drops[0]?.step ?? 0;
        // Which rows each rank computes: data parallel and the hybrid split them, the column split does not.
        const rowsOf = (rank: number) => {
          if (kind === 'columns') return { offset: 0, rows: total };
          if (total % devices !== 0) throw new Error(`a micro-batch of ${total} images does not split evenly over ${devices} devices`);
          const share = total / devices;
          return { offset: rank * share, rows: share };
        };
        const [xsData, ysData] = [(await xs.data()) as Float32Array, Float32Array.from(await ys.data())];
        const pixels = xsData.length / total;
        for (let rank = 1; rank < devices; rank++) {
          const { offset, rows } = rowsOf(rank);
          const before = transport.bytesSent;
          await sendCommand(transport, rank, { op: OP.gradients, args: [rows, offset, total, dropoutStep] });
          await transport.send(rank, xsData.subarray(offset * pixels, (offset + rows) * pixels));
          await transport.send(rank, ysData.subarray(offset, offset + rows));
          inputBytes += transport.bytesSent - before;
        }
        const { offset, rows } = rowsOf(0);
        const [myXs, myYs] = rows === total ? [xs, ys] : [tf.slice(xs, [offset, 0, 0, 0], [rows, -1, -1, -1]), tf.slice(ys, [offset], [rows])];
        try {
          const result = await own.gradients(myXs as tf.Tensor4D, myYs as tf.Tensor1D, classes, { offset, total, dropoutStep });
          // The data-parallel replica's own dropout layers advanced; the split placements draw masks apart from the model's layers.
          if (kind !== 'data') for (const d of drops) if (d.rate > 0) d.step++;
          return result;
        } finally {
          if (myXs !== xs) tf.dispose([myXs, myYs]);
        }
      },
      async apply(grads, learningRate) {
        for (let rank = 1; rank < devices; rank++) await sendCommand(transport, rank, { op: OP.apply, args: [learningRate, 0, 0, 0] });
        own.apply(grads, learningRate);
        iterations++;
      },
      async sync() {
        if (kind === 'data') return;
        await sendCommand(transport, 1, { op: OP.sync, args: [0, 0, 0, 0] });
        const layout = [heldLayout(kind, model, 0), heldLayout(kind, model, 1)] as const;
        const theirs = await receiveTensors(
          transport,
          1,
          [...layout[1], ...layout[1]].map(([, , shape]) => shape),
        );
        const mine = own.heldState();
        try {
          const find = (rank: 0 | 1, layer: ColumnLayer, which: 'kernel' | 'bias', velocity: boolean) => {
            const list = rank === 0 ? mine : theirs;
            const i = layout[rank].findIndex(([l, w]) => l === layer && w === which);
            return i < 0 ? undefined : list[i + (velocity ? layout[rank].length : 0)];
          };
          const layers = [...new Set(layout[0].map(([l]) => l))];
          const slots: Array<{ name: string; tensor: tf.Tensor }> = [];
          for (const layer of layers) {
            const full = model.getLayer(layer).getWeights();
            const joined = full.map((w, i) => {
              const which = i === 0 ? 'kernel' : 'bias';
              const name = layerVariableOf(model, layer, which)!.name;
              slots.push({ name: `${name}/velocity`, tensor: joinColumns(layer, which, w.shape, [find(0, layer, which, true), find(1, layer, which, true)]) });
              return joinColumns(layer, which, w.shape, [find(0, layer, which, false), find(1, layer, which, false)]);
            });
            model.getLayer(layer).setWeights(joined);
            // getWeights hands out the model's own variables: only the joined copies are freed.
            tf.dispose(joined);
          }
          // The hybrid's conv velocities are the run optimizer's own (it updates the conv tower).
          const held = new Set(slots.map((s) => s.name));
          const kept = variables
            .filter((v) => !held.has(`${v.name}/velocity`) && optimizer.velocity(v.name) !== undefined)
            .map((v) => ({ name: `${v.name}/velocity`, tensor: optimizer.velocity(v.name)!.clone() }));
          const iter = tf.scalar(iterations, 'int32');
          await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...kept, ...slots]);
          tf.dispose([iter, ...kept.map((s) => s.tensor), ...slots.map((s) => s.tensor)]);
        } finally {
          tf.dispose([...mine, ...theirs]);
        }
      },
      lastStep(): StepCommunication {
        const now = { wait: transport.waitMs, bytes: transport.bytesSent, input: inputBytes };
        const step = {
          commSeconds: (now.wait - since.wait) / 1000,
          bytesSent: now.bytes - since.bytes - (now.input - since.input),
          inputBytesSent: now.input - since.input,
        };
        since = now;
        return step;
      },
      async close() {
        for (let rank = 1; rank < devices; rank++) await sendCommand(helpers.transport, rank, { op: OP.stop, args: [0, 0, 0, 0] }).catch(() => undefined);
        own.dispose();
        await helpers.close();
      },
    };
  } catch (error) {
    part?.dispose();
    await helpers.close(0);
    throw error;
  }
}
