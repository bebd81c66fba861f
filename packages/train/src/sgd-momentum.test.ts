import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { SgdMomentumOptimizer, sgdMomentum, type SgdMomentumConfig, type SgdRule } from './sgd-momentum.js';
import './register.js';

interface Fixture {
  momentum: number;
  weightDecay: number;
  learningRates: number[];
  kernelShape: [number, number];
  initial: { kernel: number[]; bias: number[] };
  grads: { kernel: number[]; bias: number[] }[];
  after: Record<'all' | 'noBiasDecay', { kernel: number[]; bias: number[] }[]>;
}
const torchRun = JSON.parse(readFileSync(new URL('./fixtures/sgd-torch.json', import.meta.url), 'utf8')) as Fixture;

type Params = Record<'kernel' | 'bias', number[]>;
const INIT: Params = { kernel: [0.5, -0.3, 0.8, -1.2, 0.05, 0.7], bias: [0.1, -0.4, 1] };
// Four steps of changing gradients; ε drops between steps 2 and 3.
const GRADS: Params[] = [0, 1, 2, 3].map((t) => ({
  kernel: INIT.kernel.map((_, i) => Math.sin(0.9 * i + 1.7 * t)),
  bias: INIT.bias.map((_, i) => 0.5 * Math.cos(1.1 * i - 0.6 * t)),
}));
const LRS = [0.1, 0.1, 0.02, 0.02];

/** The update rules in float64, written out from the docs. */
function reference(rule: SgdRule, config: { m: number; wd: number; decayBias: boolean }, init: Params, grads: Params[], lrs: number[]): Params[] {
  const w: Params = { kernel: [...init.kernel], bias: [...init.bias] };
  const v: Partial<Params> = {};
  const out: Params[] = [];
  grads.forEach((g, t) => {
    const lr = lrs[t]!;
    for (const key of ['kernel', 'bias'] as const) {
      const wd = key === 'bias' && !config.decayBias ? 0 : config.wd;
      const prev = v[key];
      const next = w[key].map((wi, i) => {
        const gi = g[key][i]!;
        if (rule === 'paper') return config.m * (prev?.[i] ?? 0) - wd * lr * wi - lr * gi;
        const gd = gi + wd * wi;
        return prev === undefined ? gd : config.m * prev[i]! + gd;
      });
      v[key] = next;
      w[key] = w[key].map((wi, i) => (rule === 'paper' ? wi + next[i]! : wi - lr * next[i]!));
    }
    out.push({ kernel: [...w.kernel], bias: [...w.bias] });
  });
  return out;
}

let counter = 0;
function makeVariables(init: Params, prefix = `sgd${counter++}`): { kernel: tf.Variable; bias: tf.Variable } {
  return tf.tidy(() => ({
    kernel: tf.variable(tf.tensor2d(init.kernel, [2, 3]), true, `${prefix}/kernel`),
    bias: tf.variable(tf.tensor1d(init.bias), true, `${prefix}/bias`),
  }));
}

/** Runs `grads` through `opt`, returning the weights after each step. */
function run(opt: SgdMomentumOptimizer, vars: { kernel: tf.Variable; bias: tf.Variable }, grads: Params[], lrs: number[]): Params[] {
  return grads.map((g, t) => {
    opt.setLearningRate(lrs[t]!);
    const tensors = [
      { name: vars.kernel.name, tensor: tf.tensor2d(g.kernel, [2, 3]) },
      { name: vars.bias.name, tensor: tf.tensor1d(g.bias) },
    ];
    opt.applyGradients(tensors);
    tf.dispose(tensors.map((x) => x.tensor));
    return { kernel: Array.from(vars.kernel.dataSync()), bias: Array.from(vars.bias.dataSync()) };
  });
}

function expectClose(actual: Params[], expected: Params[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((step, t) => {
    for (const key of ['kernel', 'bias'] as const) {
      step[key].forEach((x, i) => {
        const e = expected[t]![key][i]!;
        if (!(Math.abs(x - e) <= tolerance * Math.max(1, Math.abs(e)))) {
          throw new Error(`step ${t + 1} ${key}[${i}]: ${x} vs ${e}`);
        }
      });
    }
  });
}

function disposeAll(opt: tf.Optimizer, vars: { kernel: tf.Variable; bias: tf.Variable }): void {
  opt.dispose();
  vars.kernel.dispose();
  vars.bias.dispose();
}

describeEachEngine('sgdMomentum', (engine) => {
  for (const rule of ['paper', 'pytorch'] as const) {
    for (const decayBiases of [true, false]) {
      it(`rule '${rule}', decayBiases ${decayBiases}: matches the float64 formula over 4 steps with an ε change`, () => {
        const opt = sgdMomentum({ learningRate: 1, rule, decayBiases, weightDecay: 0.05 });
        const vars = makeVariables(INIT);
        const expected = reference(rule, { m: 0.9, wd: 0.05, decayBias: decayBiases }, INIT, GRADS, LRS);
        expectClose(run(opt, vars, GRADS, LRS), expected, 2e-6);
        expect(opt.iterations).toBe(4);
        disposeAll(opt, vars);
      });
    }
  }

  it('the two rules agree while ε is constant and part ways after it changes', () => {
    const [a, b] = [makeVariables(INIT), makeVariables(INIT)];
    const [pa, pb] = [sgdMomentum({ learningRate: 0.1, rule: 'paper' }), sgdMomentum({ learningRate: 0.1, rule: 'pytorch' })];
    expectClose(run(pa, a, GRADS.slice(0, 2), LRS), run(pb, b, GRADS.slice(0, 2), LRS), 1e-6);
    const [x, y] = [run(pa, a, GRADS.slice(2), LRS.slice(2)), run(pb, b, GRADS.slice(2), LRS.slice(2))];
    expect(Math.abs(x[1]!.kernel[0]! - y[1]!.kernel[0]!)).toBeGreaterThan(1e-3);
    disposeAll(pa, a);
    disposeAll(pb, b);
  });

  for (const [name, decayBiases] of [
    ['all', true],
    ['noBiasDecay', false],
  ] as const) {
    it(`rule 'pytorch' matches torch.optim.SGD (fixtures/sgd-torch.py, case ${name})`, () => {
      const opt = sgdMomentum({ learningRate: 1, rule: 'pytorch', momentum: torchRun.momentum, weightDecay: torchRun.weightDecay, decayBiases });
      const vars = makeVariables(torchRun.initial);
      const actual = run(opt, vars, torchRun.grads, torchRun.learningRates);
      actual.forEach((step, t) => {
        for (const key of ['kernel', 'bias'] as const) {
          step[key].forEach((x, i) => expect(Math.abs(x - torchRun.after[name][t]![key][i]!)).toBeLessThanOrEqual(1e-6));
        }
      });
      disposeAll(opt, vars);
    });
  }

  for (const rule of ['paper', 'pytorch'] as const) {
    it(`rule '${rule}' leaks no tensors and dispose() frees the velocities`, () => {
      const before = tf.memory().numTensors;
      const vars = makeVariables(INIT);
      const opt = sgdMomentum({ learningRate: 0.1, rule });
      run(opt, vars, GRADS.slice(0, 1), LRS);
      const afterFirst = tf.memory().numTensors;
      expect(afterFirst).toBe(before + 4); // two weights, two velocities
      run(opt, vars, GRADS.slice(1), LRS.slice(1));
      expect(tf.memory().numTensors).toBe(afterFirst);
      disposeAll(opt, vars);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('minimize() takes a step of the paper rule', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]), true, 'minimize/kernel');
    const target = tf.tensor1d([0.5, 0.5, 0.5]);
    const opt = sgdMomentum({ learningRate: 0.1 });
    const wd = 5e-4;
    const expected = [1, -2, 3].map((x) => x - 0.1 * (x - 0.5) - wd * 0.1 * x);
    const loss = opt.minimize(() => w.sub(target).square().sum().div(2), true)!;
    expect(loss.dataSync()[0]).toBeCloseTo((0.25 + 6.25 + 6.25) / 2, 5);
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
    tf.dispose([loss, w, target]);
    opt.dispose();
  });

  it('trains a tiny Dense model through model.compile / model.fit and saves with the model', async () => {
    // Layer names are unique per process: one per engine run.
    const tiny = `tiny_${engine}`;
    const model = tf.sequential({ layers: [tf.layers.dense({ name: tiny, inputShape: [4], units: 2, kernelInitializer: 'zeros' })] });
    const opt = sgdMomentum({ learningRate: 0.05, decayBiases: false });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const xs = tf.tensor2d([1, 2, 3, 4, 0, 1, 0, 1, 2, 0, 1, 0, -1, 1, 1, 2], [4, 4]);
    const ys = tf.tensor2d([1, 0, 0, 1, 1, 1, 0, 0], [4, 2]);
    const history = await model.fit(xs, ys, { epochs: 5, batchSize: 2, shuffle: false, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses[4]!).toBeLessThan(losses[0]!);
    expect(opt.iterations).toBe(10);
    expect(opt.velocityNames().sort()).toEqual([`${tiny}/bias`, `${tiny}/kernel`]);
    expect(opt.decays(`${tiny}/bias`)).toBe(false);
    expect(opt.decays(`${tiny}/bias_3`)).toBe(false);
    expect(opt.decays(`${tiny}/kernel`)).toBe(true);

    // tfjs saves the optimizer by class name and config, and its weights.
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
      { includeOptimizer: true },
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const restored = loaded.optimizer as SgdMomentumOptimizer;
    expect(restored).toBeInstanceOf(SgdMomentumOptimizer);
    expect(restored.getConfig()).toEqual({ learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, rule: 'paper', decayBiases: false });
    expect(restored.iterations).toBe(10);
    expect(restored.velocityNames().sort()).toEqual([`${tiny}/bias`, `${tiny}/kernel`]);
    expect(Array.from(restored.velocity(`${tiny}/kernel`)!.dataSync())).toEqual(Array.from(opt.velocity(`${tiny}/kernel`)!.dataSync()));
    tf.dispose([xs, ys]);
    model.dispose();
    loaded.dispose();
  });

  for (const rule of ['paper', 'pytorch'] as const) {
    it(`rule '${rule}': getWeights → a new optimizer's setWeights continues exactly as if never stopped`, async () => {
      const whole = makeVariables(INIT);
      const straight = sgdMomentum({ learningRate: 0.1, rule });
      const expected = run(straight, whole, GRADS, LRS);

      const split = makeVariables(INIT, 'resume');
      const first = sgdMomentum({ learningRate: 0.1, rule });
      run(first, split, GRADS.slice(0, 2), LRS);
      const saved = await first.getWeights();
      expect(saved.map((w) => w.name)).toEqual(['iter', 'resume/kernel/velocity', 'resume/bias/velocity']);
      // Through plain arrays, as a checkpoint file would carry them.
      const copies = saved.map(({ name, tensor }) => ({ name, tensor: tf.tensor(tensor.dataSync(), tensor.shape, tensor.dtype) }));
      // The caller owns what getWeights returns: disposing it leaves the optimizer intact.
      tf.dispose(saved.map((w) => w.tensor));
      expect(first.velocity('resume/kernel')!.isDisposed).toBe(false);
      expect(first.velocity('resume/kernel')!.dataSync()).toEqual(copies[1]!.tensor.dataSync());
      first.dispose();
      const second = sgdMomentum({ learningRate: 0.1, rule });
      await second.setWeights(copies);
      tf.dispose(copies.map((c) => c.tensor));
      expect(second.iterations).toBe(2);
      const resumed = run(second, split, GRADS.slice(2), LRS.slice(2));
      expect(resumed).toEqual(expected.slice(2));
      expect(second.iterations).toBe(4);
      disposeAll(straight, whole);
      disposeAll(second, split);
    });
  }

  it('matches velocities by exact name: renamed ones restore, a name no variable has is refused', async () => {
    const straight = makeVariables(INIT, 'straight');
    const reference = run(sgdMomentum({ learningRate: 0.1 }), straight, GRADS.slice(0, 2), LRS);
    const a = makeVariables(INIT, 'rebuilt');
    const opt = sgdMomentum({ learningRate: 0.1 });
    const [afterOne] = run(opt, a, GRADS.slice(0, 1), LRS);
    const saved = await opt.getWeights();
    disposeAll(opt, a);
    // tfjs names the weights of a second model with the same layer names `…_1`: the checkpoint renames.
    const b = tf.tidy(() => ({
      kernel: tf.variable(tf.tensor2d(afterOne!.kernel, [2, 3]), true, 'rebuilt/kernel_1'),
      bias: tf.variable(tf.tensor1d(afterOne!.bias), true, 'rebuilt/bias_1'),
    }));
    const stale = sgdMomentum({ learningRate: 0.1 });
    await stale.setWeights(saved);
    expect(() => run(stale, b, GRADS.slice(1, 2), LRS)).toThrow(
      "sgdMomentum: velocities were restored for 'rebuilt/kernel', 'rebuilt/bias', but no variable has that name; restore them through loadCheckpoint(dir).optimizerWeights(model)",
    );
    const fresh = sgdMomentum({ learningRate: 0.1 });
    await fresh.setWeights(saved.map(({ name, tensor }) => ({ name: name.replace(/^rebuilt\/(kernel|bias)/, 'rebuilt/$1_1'), tensor })));
    tf.dispose(saved.map((s) => s.tensor));
    expect(fresh.velocityNames()).toEqual(['rebuilt/kernel_1', 'rebuilt/bias_1']);
    const [afterTwo] = run(fresh, b, GRADS.slice(1, 2), LRS);
    expect(afterTwo).toEqual(reference[1]);
    disposeAll(fresh, b);
    disposeAll(stale, { kernel: straight.kernel, bias: straight.bias });
  });

  it('validates its arguments, naming the value', async () => {
    expect(() => sgdMomentum({ learningRate: 0 })).toThrow('learningRate must be > 0, got 0');
    expect(() => sgdMomentum({ learningRate: 0.1, momentum: 1 })).toThrow('momentum must be in [0, 1), got 1');
    expect(() => sgdMomentum({ learningRate: 0.1, weightDecay: -1 })).toThrow('weightDecay must be >= 0, got -1');
    expect(() => sgdMomentum({ learningRate: 0.1, rule: 'adam' as SgdRule })).toThrow("rule must be 'paper' or 'pytorch', got 'adam'");
    const opt = sgdMomentum({ learningRate: 0.1 });
    expect(() => opt.setLearningRate(-0.01)).toThrow('learningRate must be > 0, got -0.01');
    expect(() => opt.setLearningRate(Number.NaN)).toThrow('got NaN');
    opt.setLearningRate(0.001);
    expect(opt.learningRate).toBe(0.001);
    expect(() => opt.applyGradients({ 'no/such': tf.scalar(1) })).toThrow("no variable named 'no/such'");
    await expect(opt.setWeights([{ name: 'x/momentum', tensor: tf.scalar(1) }])).rejects.toThrow("the first entry must be 'iter', got 'x/momentum'");
    await expect(
      opt.setWeights([
        { name: 'iter', tensor: tf.scalar(3, 'int32') },
        { name: 'x/momentum', tensor: tf.scalar(1) },
      ]),
    ).rejects.toThrow("'x/momentum' is not a '<variable>/velocity' entry");
    opt.dispose();
  });

  it('serializes by class name and config', () => {
    const config: SgdMomentumConfig = { learningRate: 0.01, momentum: 0.8, weightDecay: 1e-3, rule: 'pytorch', decayBiases: false };
    const opt = sgdMomentum(config);
    expect(opt.getClassName()).toBe('AlexNetSgdMomentum');
    const cls = tf.serialization.SerializationMap.getMap().classNameMap['AlexNetSgdMomentum'];
    expect(cls).toBeDefined();
    const copy = SgdMomentumOptimizer.fromConfig(SgdMomentumOptimizer, opt.getConfig());
    expect(copy.getConfig()).toEqual(config);
  });
});
