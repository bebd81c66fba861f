import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { loadModel } from '@alexnet/train';
import { LocalResponseNormalization, SeededDropout } from '@alexnet/layers';
import { DEFAULT_DEMO } from './demo-config.js';
import { runDemo } from './demo.js';

describeEachEngine('runDemo', (engine) => {
  it('runs the whole pipeline at a tiny size and writes a complete run folder', async () => {
    const root = await temporaryFolder('demo');
    const lines: string[] = [];
    const config = {
      ...DEFAULT_DEMO,
      cacheDir: join(root, 'cache'),
      runsDir: join(root, 'runs'),
      perClass: 3,
      valFraction: 0.34,
      size: 72,
      crop: 67,
      width: 0.0625,
      epochs: 2,
      lrDropEpoch: 2,
      batchSize: 8,
      backend: engine,
    };
    const result = await runDemo(config, (line) => lines.push(line));
    expect(lines.some((l) => /^top-1\s+\d+\.\d %$/.test(l))).toBe(true);
    expect(lines.some((l) => /^top-5\s+\d+\.\d %$/.test(l))).toBe(true);
    expect(result.top5).toBeGreaterThanOrEqual(result.top1);

    expect((await readdir(result.runDir)).sort()).toEqual(['checkpoints', 'config.json', 'metrics.csv', 'metrics.jsonl', 'model']);
    expect((await readdir(join(result.runDir, 'checkpoints'))).sort()).toEqual(['best', 'last']);
    const saved = JSON.parse(await readFile(join(result.runDir, 'config.json'), 'utf8'));
    expect(saved.demo.epochs).toBe(2);
    expect(saved.classes).toHaveLength(10);
    const metrics = (await readFile(join(result.runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => [m.epoch, m.learningRate])).toEqual([[1, 0.01], [2, 0.001]]);
    expect(metrics.at(-1).top1).toBe(result.top1);

    const model = await loadModel(join(result.runDir, 'model'));
    expect(model.layers.some((l) => l instanceof LocalResponseNormalization)).toBe(true);
    expect(model.layers.some((l) => l instanceof SeededDropout)).toBe(true);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);

    // The dataset is generated once: a second run reuses it.
    const again: string[] = [];
    await runDemo({ ...config, epochs: 1 }, (line) => again.push(line));
    expect(again.some((l) => l.startsWith('reused 30 images'))).toBe(true);
  });
});
