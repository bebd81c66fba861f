import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { loadModel } from '@alexnet/train';
import { LocalResponseNormalization, SeededDropout } from '@alexnet/layers';
import { DEFAULT_DEMO } from './demo-config.js';
import { runDemo } from './demo.js';
import fixture from './fixtures/demo-metrics.json' with { type: 'json' };

describeEachEngine('runDemo', (engine) => {
  it('runs the whole pipeline through alexnet train at a tiny size, with the metrics the demo had before it did', async () => {
    const root = await temporaryFolder('demo');
    const lines: string[] = [];
    const config = {
      ...DEFAULT_DEMO,
      cacheDir: join(root, 'cache'),
      runsDir: join(root, 'runs'),
      perClass: 3,
      valFraction: 0.34,
      size: 72,
      // The fixture's settings (fixtures/demo-metrics.json): lrDropEpoch 2 then is step:1 now.
      train: { backend: engine, crop: 67, width: 0.0625, epochs: 2, lrSchedule: 'step:1', batchSize: 8 },
    };
    const result = await runDemo(config, (line) => lines.push(line));
    expect(lines.some((l) => /^top-1\s+\d+\.\d %$/.test(l))).toBe(true);
    expect(lines.some((l) => /^top-5\s+\d+\.\d %$/.test(l))).toBe(true);
    expect(result.top5).toBeGreaterThanOrEqual(result.top1);

    expect((await readdir(result.runDir)).sort()).toEqual(['checkpoints', 'config.json', 'curves.png', 'metrics.csv', 'metrics.jsonl', 'model']);
    expect((await readdir(join(result.runDir, 'checkpoints'))).sort()).toEqual(['best', 'last']);
    const saved = JSON.parse(await readFile(join(result.runDir, 'config.json'), 'utf8'));
    expect([saved.recipe, saved.epochs, saved.classes]).toEqual(['demo', 2, 10]);
    const metrics = (await readFile(join(result.runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const before = fixture.engines[engine as keyof typeof fixture.engines];
    expect(metrics.map((m) => [m.epoch, m.learningRate, m.top1, m.top5])).toEqual(before.map((m) => [m.epoch, m.learningRate, m.top1, m.top5]));
    for (const [i, m] of metrics.entries()) {
      expect(m.trainLoss).toBeCloseTo(before[i]!.trainLoss, 6);
      // Validation now runs in batches of 8 rather than 64: the same losses, summed in another order.
      expect(m.valLoss).toBeCloseTo(before[i]!.valLoss, 6);
    }
    expect(metrics.at(-1).top1).toBe(result.top1);

    const model = await loadModel(join(result.runDir, 'model'));
    expect(model.layers.some((l) => l instanceof LocalResponseNormalization)).toBe(true);
    expect(model.layers.some((l) => l instanceof SeededDropout)).toBe(true);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    model.dispose();

    // The dataset is generated once: a second run reuses it, in a run folder of its own.
    const again: string[] = [];
    const second = await runDemo({ ...config, train: { ...config.train, epochs: 1 } }, (line) => again.push(line));
    expect(again.some((l) => l.startsWith('reused 30 images'))).toBe(true);
    expect(second.runDir).not.toBe(result.runDir);
  });
});
