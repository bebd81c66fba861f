import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { loadCheckpoint } from '@alexnet/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder, tinyPreparedShapes } from '@alexnet/test-support';
import { runTrain } from './train-command.js';

// `alexnet train --parallel …` against the single-device run of the same two-column network:
// the same crops, flips, lighting and dropout masks, so the same weights and velocities.
let data: string;
beforeAll(async () => {
  ({ data } = await tinyPreparedShapes('parallel-train', 5));
});

const quiet = () => undefined;
const flags = (out: string, epochs: number, extra: string[] = []) => [
  '--data',
  data,
  '--out',
  out,
  '--epochs',
  String(epochs),
  '--crop',
  '67',
  '--width',
  '0.0625',
  '--columns',
  '2',
  '-b',
  '6',
  '-j',
  '0',
  '--init',
  'he',
  '--scale',
  '0.015625',
  '--backend',
  'cpu',
  ...extra,
];

/** Largest relative difference over the checkpoints' weights and optimizer velocities (max |a − b| / max |b| per tensor). */
async function checkpointDifference(a: string, b: string): Promise<{ weights: number; velocities: number; steps: [number, number] }> {
  const [x, y] = await Promise.all([loadCheckpoint(a), loadCheckpoint(b)]);
  const relative = (p: tf.Tensor, q: tf.Tensor) => {
    const [u, v] = [p.dataSync(), q.dataSync()];
    let d = 0;
    let s = 0;
    for (let i = 0; i < v.length; i++) ((d = Math.max(d, Math.abs(u[i]! - v[i]!))), (s = Math.max(s, Math.abs(v[i]!))));
    return d / Math.max(s, 1e-30);
  };
  const weights = Math.max(...x.model.weights.map((w, i) => relative(w.read(), y.model.weights[i]!.read())));
  const [vx, vy] = [x.optimizerWeights(x.model)!, y.optimizerWeights(y.model)!];
  expect(vx.length).toBe(vy.length);
  const velocities = Math.max(...vx.slice(1).map((s, i) => relative(s.tensor, vy[i + 1]!.tensor)));
  expect(x.state.dropoutSteps).toEqual(y.state.dropoutSteps);
  const steps: [number, number] = [x.state.step, y.state.step];
  tf.dispose([...vx, ...vy].map((s) => s.tensor));
  x.model.dispose();
  y.model.dispose();
  return { weights, velocities, steps };
}

describe('alexnet train --parallel (cpu engine, two-column AlexNet at width 1/16, dropout 0.5)', () => {
  let single: string;
  beforeAll(async () => {
    single = join(await temporaryFolder('parallel-train-single'), 'run');
    await runTrain(flags(single, 2), quiet);
  }, 120_000);

  for (const [placement, devices, transport] of [
    ['columns', 2, 'threads'],
    ['data', 2, 'threads'],
    ['data', 3, 'threads'],
    ['hybrid', 2, 'threads'],
    ['data', 2, 'processes'],
  ] as const) {
    it(`--parallel ${placement} --devices ${devices} --transport ${transport} ends with the single device's weights and velocities (within 1e-5)`, async () => {
      const out = join(await temporaryFolder('parallel-train-run'), 'run');
      const result = await runTrain(flags(out, 2, ['--parallel', placement, '--devices', String(devices), '--transport', transport]), quiet);
      const diff = await checkpointDifference(join(out, 'checkpoints', 'last'), join(single, 'checkpoints', 'last'));
      expect(diff.steps[0]).toBe(diff.steps[1]);
      expect(diff.steps[0]).toBeGreaterThan(2);
      expect(diff.weights).toBeLessThan(1e-5);
      expect(diff.velocities).toBeLessThan(1e-5);
      // Each epoch's line in metrics.jsonl carries the placement's per-step time and traffic.
      expect(result.last?.parallel?.bytesSentPerRank).toBeGreaterThan(0);
      expect(result.last?.parallel?.computeSeconds).toBeGreaterThan(0);
    }, 120_000);
  }

  it('sums a step over micro-batches as one device does (--accumulate 2, column split and data parallel)', async () => {
    const reference = join(await temporaryFolder('parallel-train-accumulate'), 'run');
    await runTrain(flags(reference, 1, ['--accumulate', '2']), quiet);
    for (const placement of [
      ['--parallel', 'columns'],
      ['--parallel', 'data', '--devices', '3'],
    ]) {
      const out = join(await temporaryFolder('parallel-train-accumulate'), 'run');
      await runTrain(flags(out, 1, ['--accumulate', '2', ...placement]), quiet);
      const diff = await checkpointDifference(join(out, 'checkpoints', 'last'), join(reference, 'checkpoints', 'last'));
      expect(diff.weights).toBeLessThan(1e-5);
      expect(diff.velocities).toBeLessThan(1e-5);
    }
  }, 180_000);

  it('resumes across placements: column split then one device, one device then data parallel', async () => {
    for (const [first, then] of [
      [['--parallel', 'columns'], []],
      [[], ['--parallel', 'data']],
    ] as Array<[string[], string[]]>) {
      const out = join(await temporaryFolder('parallel-train-resume'), 'run');
      await runTrain(flags(out, 1, first), quiet);
      const last = join(out, 'checkpoints', 'last');
      await runTrain(['--data', data, '--resume', last, '--epochs', '2', '-j', '0', '--backend', 'cpu', ...then], quiet);
      const diff = await checkpointDifference(last, join(single, 'checkpoints', 'last'));
      expect(diff.weights).toBeLessThan(1e-5);
      expect(diff.velocities).toBeLessThan(1e-5);
    }
  }, 180_000);
});

describe('alexnet train --parallel usage errors', () => {
  it('refuses a placement the network or batch cannot take, naming the flags', async () => {
    const out = join(await temporaryFolder('parallel-train-usage'), 'run');
    await expect(runTrain([...flags(out, 1), '--columns', '1', '--parallel', 'columns'], quiet)).rejects.toThrow(
      '--parallel columns: the column split places the two-column network; use --arch alexnet --columns 2 (or --parallel data)',
    );
    await expect(runTrain([...flags(out, 1), '--parallel', 'data', '--devices', '4'], quiet)).rejects.toThrow(
      '--parallel data --devices 4: the 6 images of each forward pass (--batch-size / --accumulate) do not split evenly over 4 devices',
    );
    await expect(runTrain([...flags(out, 1), '--parallel', 'hybrid', '--devices', '3'], quiet)).rejects.toThrow(
      '--parallel hybrid --devices 3: the hybrid runs on 2 devices, one per column',
    );
    await expect(runTrain([...flags(out, 1), '--devices', '2'], quiet)).rejects.toThrow('--devices 2 needs --parallel data, columns or hybrid');
  });
});
