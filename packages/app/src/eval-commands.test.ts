import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, expect, it } from 'vitest';
import { temporaryFolder, tinyPreparedShapes, TINY_TRAIN_FLAGS } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { runEval } from './eval-command.js';
import { runExport } from './export-command.js';
import { runImport } from './import-command.js';
import { loadInference } from './inference.js';
import { runFilters } from './filters-command.js';
import { runPredict } from './predict-command.js';
import { runSimilar } from './similar-command.js';
import { runTrain } from './train-command.js';

let src: string;
let data: string;
let checkpoint: string;
let runDir: string;

beforeAll(async () => {
  ({ src, data } = await tinyPreparedShapes('eval', 8));
});

describeEachEngine('eval, predict, filters, similar on a tiny trained model', (engine) => {
  beforeAll(async () => {
    runDir = join(await temporaryFolder('eval-run'), 'run');
    await runTrain(['--data', data, '--out', runDir, '--epochs', '1', ...TINY_TRAIN_FLAGS, '--backend', engine, '--workers', '0'], () => undefined);
    checkpoint = join(runDir, 'checkpoints', 'last');
  });

  it('export --format onnx then import gives back the trained checkpoint: weights, mean image, classes and names', async () => {
    const dir = await temporaryFolder('eval-onnx');
    await runExport(['--checkpoint', checkpoint, '--format', 'onnx', '--out', join(dir, 'model.onnx'), '--backend', engine], () => undefined);
    await runImport([join(dir, 'model.onnx'), '--out', join(dir, 'back'), '--backend', engine], () => undefined);
    const [a, b] = [await loadInference(checkpoint), await loadInference(join(dir, 'back'))];
    try {
      expect([b.classes, b.names, b.size, b.crop, b.mean, b.scale]).toEqual([a.classes, a.names, a.size, a.crop, 'image', a.scale]);
      const image = Uint8Array.from({ length: a.size * a.size * 3 }, (_, i) => (i * 37) % 256);
      expect(Array.from(b.normalize(image).dataSync())).toEqual(Array.from(a.normalize(image).dataSync()));
      const [wa, wb] = [a.model.getWeights(), b.model.getWeights()];
      wa.forEach((w, i) => expect(Array.from(wb[i]!.dataSync())).toEqual(Array.from(w.dataSync())));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('eval reports center and 10-crop figures and writes the confusion matrix as CSV and PNG', async () => {
    let text = '';
    const result = await runEval(['--checkpoint', checkpoint, '--ten-crop', '--json'], (t) => (text += t));
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(result)));
    expect(result.images).toBe(10);
    expect(result.center.top1 + result.center.top1Error).toBeCloseTo(1, 12);
    expect(result.tenCrop!.top5).toBeGreaterThanOrEqual(result.tenCrop!.top1);
    expect(result.out).toBe(join(runDir, 'eval-val'));
    const csv = (await readFile(join(result.out, 'confusion.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(11);
    const counts = csv.slice(1).flatMap((row) => row.split(',').slice(1).map(Number));
    expect(counts.reduce((a, b) => a + b)).toBe(10);
    const png = await sharp(await readFile(join(result.out, 'confusion.png'))).metadata();
    expect(png.format).toBe('png');
    expect(result.perClass).toHaveLength(10);
  });

  it('eval and predict average several checkpoints (§6), reporting each model and the ensemble', async () => {
    const second = join(await temporaryFolder('eval-run-2'), 'run');
    await runTrain(
      ['--data', data, '--out', second, '--epochs', '1', ...TINY_TRAIN_FLAGS, '--seed', '2', '--backend', engine, '--workers', '0'],
      () => undefined,
    );
    const other = join(second, 'checkpoints', 'last');
    let text = '';
    const both = await runEval(['--checkpoint', checkpoint, '--checkpoint', other, '--out', join(second, 'eval-ensemble')], (t) => (text += t));
    const [one, two] = [
      await runEval(['--checkpoint', checkpoint, '--json', '--out', join(second, 'eval-1')], () => undefined),
      await runEval(['--checkpoint', other, '--json', '--out', join(second, 'eval-2')], () => undefined),
    ];
    expect(both.models!.map((m) => m.center)).toEqual([one.center, two.center]);
    expect(text.split('\n')[0]).toMatch(/^model\s+view\s+top-1 error\s+top-5 error\s+top-1\s+top-5$/);
    expect(text).toMatch(/^ensemble\s+center crop\s+\d+\.\d %/m);
    // The ensemble's prediction is the mean of the two models' probabilities.
    const image = join(src, 'star', 'star-0001.jpg');
    const [p1, p2, p12] = [
      await runPredict([image, '--checkpoint', checkpoint, '--top', '10'], () => undefined),
      await runPredict([image, '--checkpoint', other, '--top', '10'], () => undefined),
      await runPredict([image, '--checkpoint', checkpoint, '--checkpoint', other, '--top', '10'], () => undefined),
    ];
    const probability = (p: typeof p1, c: string) => p[0]!.top!.find((t) => t.class === c)!.probability;
    for (const { class: c } of p12[0]!.top!) expect(probability(p12, c)).toBeCloseTo((probability(p1, c) + probability(p2, c)) / 2, 6);
  });

  it('predict prints the top classes and names an unreadable file, still scoring the rest', async () => {
    const bad = join(src, 'not-an-image.jpg');
    await writeFile(bad, 'hello');
    const good = join(src, 'star', 'star-0001.jpg');
    let out = '';
    let err = '';
    const missing = join(src, 'missing.jpg');
    const predictions = await runPredict(
      [good, bad, missing, '--checkpoint', checkpoint, '--top', '3', '--ten-crop'],
      (t) => (out += t),
      (t) => (err += t),
    );
    expect(err.split('\n')[0]).toBe(`alexnet: ${bad}: not an image (unsupported format)`);
    expect(err.split('\n')[1]).toMatch(new RegExp(`^alexnet: ${missing}: unreadable \\(ENOENT\\)`));
    expect(predictions[0]!.top).toHaveLength(3);
    const total = predictions[0]!.top!.reduce((s, p) => s + p.probability, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-6);
    expect(out.split('\n')[0]).toBe(good);
    expect(out.split('\n')[1]).toMatch(/^\s+\d+\.\d % {2}\w+/);
    process.exitCode = undefined;
  });

  it('filters writes the conv1 kernels as a PNG of the documented size', async () => {
    const out = join(runDir, 'filters.png');
    const result = await runFilters(['--checkpoint', checkpoint, '--out', out, '--scale', '2'], () => undefined);
    // conv1 at width 1/16: 6 kernels of 11×11 → 3 columns (⌈√6⌉) × 2 rows of 22-px patches, 1-px gaps.
    expect([result.width, result.height]).toEqual([3 * 23 + 1, 2 * 23 + 1]);
    const meta = await sharp(await readFile(out)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', result.width, result.height]);
    // Two columns: a chroma per column, each in [0, 1].
    expect(result.chroma).toHaveLength(2);
    for (const c of result.chroma!) expect(c >= 0 && c <= 1).toBe(true);
  });

  it('similar writes a contact sheet of the nearest training images and caches the feature index', async () => {
    const out = join(runDir, 'similar.png');
    const lines: string[] = [];
    const first = await runSimilar([join(src, 'circle', 'circle-0001.jpg'), '--checkpoint', checkpoint, '--k', '4', '--out', out], (l) => lines.push(l));
    const { stat } = await import('node:fs/promises');
    const { readdir } = await import('node:fs/promises');
    const cache = join(
      checkpoint,
      (await readdir(checkpoint)).find((n) => /^features-train-[0-9a-f]{12}\.idx$/.test(n))!,
    );
    const written = (await stat(cache)).mtimeMs;
    expect(first.nearest).toHaveLength(4);
    expect(first.nearest.map((n) => n.distance)).toEqual([...first.nearest.map((n) => n.distance)].sort((a, b) => a - b));
    const meta = await sharp(await readFile(out)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(5 * 96);
    // The query is one of the training images or close to one: the nearest distance is the smallest.
    const again = await runSimilar([join(src, 'circle', 'circle-0001.jpg'), '--checkpoint', checkpoint, '--k', '4', '--out', out], () => undefined);
    expect(again.nearest).toEqual(first.nearest);
    expect((await stat(cache)).mtimeMs).toBe(written); // the second query used the cached index
    expect(lines.at(-1)).toBe(`contact sheet: ${out}`);
  });

  it('predict and filters work from the checkpoint alone once the dataset is gone; eval and similar say they need it', async () => {
    const moved = join(await temporaryFolder('eval-moved'), 'checkpoint');
    await cp(checkpoint, moved, { recursive: true });
    expect(await readdir(moved)).toEqual(expect.arrayContaining(['stats.json', 'mean-image.f32']));
    const stateFile = join(moved, 'state.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    state.config.data = join(moved, '..', 'no-longer-here');
    await writeFile(stateFile, JSON.stringify(state));
    const image = join(src, 'star', 'star-0001.jpg');
    const [here, alone] = await Promise.all(
      [checkpoint, moved].map((c) =>
        runPredict(
          [image, '--checkpoint', c, '--top', '3'],
          () => undefined,
          () => undefined,
        ),
      ),
    );
    expect(alone![0]!.top).toEqual(here![0]!.top);
    await runFilters(['--checkpoint', moved, '--out', join(moved, '..', 'filters.png')], () => undefined);
    const needs = /reads the images of the dataset .* was trained on, which is not where it was: pass --data <prepared dir>/;
    await expect(runEval(['--checkpoint', moved], () => undefined)).rejects.toThrow(needs);
    await expect(runSimilar([image, '--checkpoint', moved, '--out', join(moved, '..', 's.png')], () => undefined)).rejects.toThrow(needs);
    const evaluated = await runEval(['--checkpoint', moved, '--data', data, '--json'], () => undefined);
    const original = await runEval(['--checkpoint', checkpoint, '--json'], () => undefined);
    expect([evaluated.center, evaluated.perClass]).toEqual([original.center, original.perClass]);
    // What the checkpoint carries is checked as the dataset's own files are.
    const stats = JSON.parse(await readFile(join(moved, 'stats.json'), 'utf8'));
    await writeFile(join(moved, 'stats.json'), JSON.stringify({ ...stats, meanImage: '../../etc/passwd' }));
    await expect(
      runPredict(
        [image, '--checkpoint', moved],
        () => undefined,
        () => undefined,
      ),
    ).rejects.toThrow('meanImage: "../../etc/passwd" is not a plain file name inside');
    await writeFile(join(moved, 'class-names.json'), JSON.stringify(['only one']));
    await writeFile(join(moved, 'stats.json'), JSON.stringify(stats));
    await expect(
      runPredict(
        [image, '--checkpoint', moved],
        () => undefined,
        () => undefined,
      ),
    ).rejects.toThrow(/class-names\.json: .*the checkpoint is damaged/);
  });
});
