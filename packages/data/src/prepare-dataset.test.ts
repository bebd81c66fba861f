import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { readDatasetStats } from './dataset-stats.js';
import { prepareDataset, PrepareInterrupted } from './prepare-dataset.js';
import { PreparedSplit, readPreparedIndex } from './prepared-dataset.js';
import { rejectionReason, resizeAndCenterCrop } from './resize-crop.js';
import { SHAPE_CLASSES, writeSyntheticShapes } from './synthetic-shapes.js';

const temp = (name: string) => temporaryFolder(name);

/** A valid PNG header that declares 40000×40000 pixels: a decompression bomb as far as the decoder can tell. */
async function pixelBomb(): Promise<Buffer> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  png.writeUInt32BE(40000, 16);
  png.writeUInt32BE(40000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** Every file of a prepared folder, by name, for byte-for-byte comparison. */
async function contents(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
  return files;
}

describe('prepareDataset', () => {
  it('stores each image resized and center-cropped, labelled by its folder, in shards', async () => {
    const src = await temp('shapes-src');
    await writeSyntheticShapes(src, { perClass: 5, seed: 1 });
    const out = join(await temp('prepared'), 'out');
    const result = await prepareDataset(src, out, { size: 24, valFraction: 0.2, seed: 3, shardSize: 16, workers: 2 });
    expect(result.index.classes).toEqual([...SHAPE_CLASSES]);
    expect(result.kept).toBe(50);
    expect(result.warnings).toEqual([]);
    expect(result.index.splits.train!.count).toBe(40);
    expect(result.index.splits.train!.shards.map((s) => s.count)).toEqual([16, 16, 8]);
    const val = await PreparedSplit.open(out, 'val');
    expect(val.count).toBe(10);
    expect([...val.labels].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < val.count; i++) {
      const source = val.sources[i]!;
      expect(source.startsWith(join(src, SHAPE_CLASSES[val.labels[i]!]!))).toBe(true);
      expect(Buffer.from(await val.pixels(i)).equals(Buffer.from((await resizeAndCenterCrop(source, 24)).data))).toBe(true);
    }
    val.close();
  });

  it('rejects each kind of bad input with its reason, and keeps going', async () => {
    const src = await temp('bad-src');
    await writeSyntheticShapes(src, { perClass: 3, seed: 1 });
    const good = await readFile(join(src, 'circle', 'circle-0001.jpg'));
    await writeFile(join(src, 'circle', 'text.jpg'), 'this is not a JPEG');
    await writeFile(join(src, 'square', 'empty.jpg'), '');
    await writeFile(join(src, 'star', 'truncated.jpg'), good.subarray(0, good.length >> 1));
    await writeFile(join(src, 'heart', 'bomb.png'), await pixelBomb());
    const out = join(await temp('bad-out'), 'out');
    const result = await prepareDataset(src, out, { size: 16, valFraction: 0.3, shardSize: 8 });
    expect(result.kept).toBe(30);
    const reasons = Object.fromEntries(result.rejected.map((r) => [r.file.slice(src.length + 1), r.reason]));
    expect(reasons).toEqual({
      'circle/text.jpg': 'not an image (unsupported format)',
      'heart/bomb.png': 'too many pixels (decompression bomb guard): Input image exceeds pixel limit',
      'square/empty.jpg': 'empty file',
      'star/truncated.jpg': 'truncated: JPEG without its end-of-image marker',
    });
    expect(JSON.parse(await readFile(join(out, 'rejected.json'), 'utf8'))).toEqual(result.rejected);
  });

  it('warns when the source holds a single class, naming it and the layout expected', async () => {
    const shapes = await temp('one-class-shapes');
    await writeSyntheticShapes(shapes, { perClass: 3, seed: 1 });
    const src = await temp('one-class-src');
    await mkdir(join(src, 'circle'));
    for (const name of await readdir(join(shapes, 'circle'))) await writeFile(join(src, 'circle', name), await readFile(join(shapes, 'circle', name)));
    const result = await prepareDataset(src, join(await temp('one-class-out'), 'out'), { size: 8 });
    expect(result.index.classes).toEqual(['circle']);
    expect([result.index.splits.train!.count, result.index.splits.val!.count]).toEqual([2, 1]);
    expect(result.warnings).toEqual([`only one class (circle): a classifier needs at least two; check the source layout (${join(src, '<class>', '<image>')})`]);
  });

  it('names an unreadable file', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/data/cat/1.jpg'"), { code: 'EACCES' });
    expect(rejectionReason(error)).toBe("unreadable (EACCES): EACCES: permission denied, open '/data/cat/1.jpg'");
  });

  it('computes stats.json and the mean image from the training split', async () => {
    const src = await temp('stats-src');
    await writeSyntheticShapes(src, { perClass: 3, seed: 2 });
    const out = join(await temp('stats-out'), 'out');
    await prepareDataset(src, out, { size: 8, valFraction: 0.3, shardSize: 5 });
    const { stats, meanImage } = await readDatasetStats(out);
    const train = await PreparedSplit.open(out, 'train');
    const sums = new Float64Array(8 * 8 * 3);
    for (let i = 0; i < train.count; i++) (await train.pixels(i)).forEach((v, k) => (sums[k]! += v));
    sums.forEach((s, k) => expect(meanImage[k]).toBeCloseTo(s / train.count, 3));
    const channel = [0, 1, 2].map((c) => sums.filter((_, k) => k % 3 === c).reduce((a, b) => a + b) / (train.count * 64));
    stats.channelMean.forEach((m, c) => expect(m).toBeCloseTo(channel[c]!, 6));
    expect(stats).toMatchObject({ pixelScale: 255, samples: train.count, pixels: train.count * 64, split: 'train', size: 8 });
    expect(stats.eigenvalues[0]).toBeGreaterThanOrEqual(stats.eigenvalues[1]);
    for (const v of stats.eigenvectors) expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    train.close();
  });

  it('stores JPEG shards that decode close to the raw pixels and take less room', async () => {
    const src = await temp('jpeg-src');
    await writeSyntheticShapes(src, { perClass: 2, seed: 4 });
    const rawDir = join(await temp('raw'), 'out');
    const jpegDir = join(await temp('jpeg'), 'out');
    await prepareDataset(src, rawDir, { size: 32, valFraction: 0.5 });
    await prepareDataset(src, jpegDir, { size: 32, valFraction: 0.5, encoding: 'jpeg', jpegQuality: 95 });
    const raw = await PreparedSplit.open(rawDir, 'train');
    const jpeg = await PreparedSplit.open(jpegDir, 'train');
    let worst = 0;
    let bytes = 0;
    for (let i = 0; i < raw.count; i++) {
      const a = await raw.pixels(i);
      const b = await jpeg.pixels(i);
      bytes += jpeg.record(i).byteLength;
      let sum = 0;
      a.forEach((v, k) => (sum += Math.abs(v - b[k]!)));
      worst = Math.max(worst, sum / a.length);
    }
    expect(worst).toBeLessThan(4); // mean absolute difference per value, 0–255 scale
    expect(bytes).toBeLessThan((raw.count * 32 * 32 * 3) / 2);
    raw.close();
    jpeg.close();
  });

  it('refuses a folder holding something else, or prepared with other options', async () => {
    const src = await temp('refuse-src');
    await writeSyntheticShapes(src, { perClass: 2, seed: 1 });
    const foreign = await temp('foreign');
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    await expect(prepareDataset(src, foreign, { size: 8 })).rejects.toThrow(
      `${foreign} is not empty and was not made by prepareDataset: it is not written into`,
    );
    const out = join(await temp('refuse-out'), 'out');
    await prepareDataset(src, out, { size: 8, valFraction: 0.5 });
    await expect(prepareDataset(src, out, { size: 16, valFraction: 0.5 })).rejects.toThrow('holds a dataset prepared from other input or options');
    expect((await prepareDataset(src, out, { size: 8, valFraction: 0.5 })).writtenShards).toBe(0);
  });

  it('rebuilds a damaged shard and names it when reading', async () => {
    const src = await temp('damage-src');
    await writeSyntheticShapes(src, { perClass: 2, seed: 1 });
    const out = join(await temp('damage-out'), 'out');
    await prepareDataset(src, out, { size: 8, valFraction: 0.5, shardSize: 4 });
    const before = await contents(out);
    const damaged = join(out, 'train-00001.shard');
    const length = before.get('train-00001.shard')!.byteLength;
    await truncate(damaged, length - 10);
    await expect(PreparedSplit.open(out, 'train')).rejects.toThrow(`${damaged}: ${length - 10} bytes, expected ${length} (truncated?)`);
    const rerun = await prepareDataset(src, out, { size: 8, valFraction: 0.5, shardSize: 4 });
    expect(rerun.writtenShards).toBe(1);
    expect(await contents(out)).toEqual(before);
  });

  it('stops on its signal keeping finished shards, and a rerun completes the same files', async () => {
    const src = await temp('abort-src');
    await writeSyntheticShapes(src, { perClass: 3, seed: 5 });
    const straight = join(await temp('straight'), 'out');
    const resumed = join(await temp('resumed'), 'out');
    const options = { size: 12, valFraction: 0.3, shardSize: 4, workers: 1 };
    await prepareDataset(src, straight, options);
    const controller = new AbortController();
    const stop = prepareDataset(src, resumed, { ...options, signal: controller.signal, onProgress: (_, done) => done === 10 && controller.abort() });
    await expect(stop).rejects.toBeInstanceOf(PrepareInterrupted);
    expect((await readdir(resumed)).filter((n) => n.endsWith('.shard'))).toHaveLength(2);
    const rerun = await prepareDataset(src, resumed, options);
    expect(rerun.reusedShards).toBe(2);
    expect(await contents(resumed)).toEqual(await contents(straight));
  });

  it('survives being killed mid-run: the rerun equals an uninterrupted run', async () => {
    const src = await temp('kill-src');
    await writeSyntheticShapes(src, { perClass: 12, seed: 6 });
    const options = { size: 48, valFraction: 0.25, shardSize: 6, workers: 1 };
    const straight = join(await temp('kill-straight'), 'out');
    await prepareDataset(src, straight, options);
    const killed = join(await temp('kill-out'), 'out');
    // A separate process, SIGKILLed once it has written two shards: no cleanup code runs.
    const module = fileURLToPath(new URL('./prepare-dataset.ts', import.meta.url));
    const script = `import { prepareDataset } from ${JSON.stringify(module)}; await prepareDataset(${JSON.stringify(src)}, ${JSON.stringify(killed)}, ${JSON.stringify(options)});`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
    let shards = 0;
    while (shards < 2 && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
      shards = (await readdir(killed).catch(() => [] as string[])).filter((n) => n.endsWith('.shard')).length;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(shards).toBeGreaterThanOrEqual(2);
    expect(await readdir(killed)).not.toContain('index.json');
    const rerun = await prepareDataset(src, killed, options);
    expect(rerun.reusedShards).toBeGreaterThanOrEqual(2);
    expect(await contents(killed)).toEqual(await contents(straight));
  });

  it('prepares Fashion-MNIST-style IDX files as three equal channels, test set as val', async () => {
    const { encodeIdx } = await import('./idx-file.js');
    const dir = await temp('fmnist');
    const pixels = Uint8Array.from({ length: 4 * 28 * 28 }, (_, i) => (i * 7) % 256);
    await writeFile(join(dir, 'train-images-idx3-ubyte'), encodeIdx([3, 28, 28], pixels.subarray(0, 3 * 784)));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([3], Uint8Array.from([9, 0, 4])));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([1, 28, 28], pixels.subarray(3 * 784)));
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.from([2])));
    const out = join(await temp('fmnist-out'), 'out');
    const result = await prepareDataset(dir, out, { size: 32 });
    expect(result.index.source).toMatchObject({ format: 'fashion-mnist', heldOut: false });
    expect(result.index.classes[9]).toBe('Ankle boot');
    const val = await PreparedSplit.open(out, 'val');
    expect([...val.labels]).toEqual([2]);
    const image = await val.pixels(0);
    for (let p = 0; p < image.length; p += 3) expect([image[p + 1], image[p + 2]]).toEqual([image[p], image[p]]);
    val.close();
    expect((await readPreparedIndex(out)).splits.train!.count).toBe(3);
  });

  it('reads an ILSVRC tree: LOC_val_solution.csv labels, synset words, unknown labels rejected', async () => {
    const src = await temp('ilsvrc');
    const root = join(src, 'ILSVRC', 'Data', 'CLS-LOC');
    const shapes = await temp('ilsvrc-shapes');
    await writeSyntheticShapes(shapes, { perClass: 2, seed: 1 });
    const jpeg = (shape: string, n: number) => readFile(join(shapes, shape, `${shape}-000${n}.jpg`));
    for (const [wnid, shape] of [
      ['n01440764', 'circle'],
      ['n02102040', 'star'],
    ] as const) {
      await mkdir(join(root, 'train', wnid), { recursive: true });
      for (const n of [1, 2]) await writeFile(join(root, 'train', wnid, `${wnid}_${n}.JPEG`), await jpeg(shape, n));
    }
    await mkdir(join(root, 'val'));
    for (let n = 1; n <= 4; n++) await writeFile(join(root, 'val', `ILSVRC2012_val_0000000${n}.JPEG`), await jpeg('circle', 1));
    await writeFile(
      join(src, 'LOC_val_solution.csv'),
      'ImageId,PredictionString\nILSVRC2012_val_00000001,n02102040 1 2 3 4\nILSVRC2012_val_00000002,n01440764 5 6 7 8 n01440764 1 1 2 2\nILSVRC2012_val_00000003,n09999999 1 2 3 4\n',
    );
    await writeFile(join(src, 'LOC_synset_mapping.txt'), 'n01440764 tench, Tinca tinca\nn02102040 English springer, English springer spaniel\n');
    const out = join(await temp('ilsvrc-out'), 'out');
    const result = await prepareDataset(src, out, { size: 16 });
    expect(result.index.source.format).toBe('ilsvrc');
    expect(result.index.classes).toEqual(['n01440764', 'n02102040']);
    expect(result.index.classNames).toEqual(['tench, Tinca tinca', 'English springer, English springer spaniel']);
    const val = await PreparedSplit.open(out, 'val');
    const bySource = Object.fromEntries(val.sources.map((s, i) => [s.slice(-28), val.labels[i]]));
    expect(bySource).toEqual({ 'ILSVRC2012_val_00000001.JPEG': 1, 'ILSVRC2012_val_00000002.JPEG': 0 });
    val.close();
    expect(result.rejected.map((r) => [r.file.slice(-28), r.reason])).toEqual([
      ['ILSVRC2012_val_00000003.JPEG', 'label n09999999 has no training folder'],
      ['ILSVRC2012_val_00000004.JPEG', `no label in ${join(src, 'LOC_val_solution.csv')}`],
    ]);
  });

  it("reads the devkit's validation ground truth through map_clsloc.txt", async () => {
    const src = await temp('devkit');
    const shapes = await temp('devkit-shapes');
    await writeSyntheticShapes(shapes, { perClass: 1, seed: 1 });
    const image = await readFile(join(shapes, 'circle', 'circle-0001.jpg'));
    for (const wnid of ['n01440764', 'n01443537']) {
      await mkdir(join(src, 'train', wnid), { recursive: true });
      await writeFile(join(src, 'train', wnid, 'a.JPEG'), image);
      await writeFile(join(src, 'train', wnid, 'b.JPEG'), image);
    }
    await mkdir(join(src, 'val'));
    for (const n of [1, 2, 3]) await writeFile(join(src, 'val', `ILSVRC2012_val_0000000${n}.JPEG`), image);
    await mkdir(join(src, 'devkit', 'data'), { recursive: true });
    // The devkit numbers classes its own way: ID 7 is n01443537, ID 3 is n01440764.
    await writeFile(join(src, 'devkit', 'data', 'map_clsloc.txt'), 'n01443537 7 goldfish\nn01440764 3 tench\n');
    await writeFile(join(src, 'devkit', 'data', 'ILSVRC2015_clsloc_validation_ground_truth.txt'), '7\n3\n7\n');
    const out = join(await temp('devkit-out'), 'out');
    const result = await prepareDataset(src, out, { size: 8 });
    expect(result.index.classNames).toEqual(['tench', 'goldfish']);
    const val = await PreparedSplit.open(out, 'val');
    const bySource = Object.fromEntries(val.sources.map((s, i) => [s.slice(-28), val.labels[i]]));
    expect(bySource).toEqual({ 'ILSVRC2012_val_00000001.JPEG': 1, 'ILSVRC2012_val_00000002.JPEG': 0, 'ILSVRC2012_val_00000003.JPEG': 1 });
    val.close();

    // One label short: every later label would shift by one, so it is refused.
    const truth = join(src, 'devkit', 'data', 'ILSVRC2015_clsloc_validation_ground_truth.txt');
    await writeFile(truth, '7\n3\n');
    await expect(prepareDataset(src, join(await temp('devkit-short'), 'out'), { size: 8 })).rejects.toThrow(
      `${truth} lists 2 labels, but ${join(src, 'val')} holds 3 images; the labels would not line up`,
    );
  });

  it('says so when an ILSVRC val folder has no labels', async () => {
    const src = await temp('nolabels');
    await mkdir(join(src, 'train', 'n01440764'), { recursive: true });
    await mkdir(join(src, 'val'));
    await writeFile(join(src, 'val', 'ILSVRC2012_val_00000001.JPEG'), 'x');
    await chmod(join(src, 'val'), 0o755);
    await expect(prepareDataset(src, join(await temp('nolabels-out'), 'out'))).rejects.toThrow(
      `${join(src, 'val')} holds images but no labels: expected LOC_val_solution.csv or the devkit's *_validation_ground_truth.txt with map_clsloc.txt`,
    );
  });
});
