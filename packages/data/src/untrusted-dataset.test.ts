import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { readDatasetStats } from './dataset-stats.js';
import { encodeIdx, readIdxFile } from './idx-file.js';
import { PreparedSplit, readPreparedIndex } from './prepared-dataset.js';
import { prepareDataset } from './prepare-dataset.js';
import { SHARD_MAGIC } from './shard-file.js';
import { writeSyntheticShapes } from './synthetic-shapes.js';

// A prepared dataset from someone else, modified one way at a time: each must be refused
// with a message naming the file and the problem, without reading outside the folder.
let pristine: string;

beforeAll(async () => {
  const src = await temporaryFolder('untrusted-src');
  await writeSyntheticShapes(src, { perClass: 2, seed: 5 });
  pristine = join(await temporaryFolder('untrusted'), 'prepared');
  await prepareDataset(src, pristine, { size: 16, valFraction: 0.25 });
});

async function copy(): Promise<string> {
  const dir = join(await temporaryFolder('untrusted-copy'), 'prepared');
  await cp(pristine, dir, { recursive: true });
  return dir;
}

async function editJson(file: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(value);
  await writeFile(file, JSON.stringify(value));
}

/** Rewrites a shard's JSON header, keeping its records. */
async function editShardHeader(file: string, edit: (header: Record<string, unknown>) => void): Promise<void> {
  const bytes = await readFile(file);
  const length = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString('utf8', 12, 12 + length)) as Record<string, unknown>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(12);
  prefix.write(SHARD_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  await writeFile(file, Buffer.concat([prefix, json, bytes.subarray(12 + length)]));
}

const firstShard = async (dir: string) =>
  join(
    dir,
    (await readdir(dir)).find((n) => n.startsWith('train-'))!,
  );

describe('a prepared dataset from someone else', () => {
  it('cannot name shards outside its folder', async () => {
    for (const file of ['../outside.shard', '/dev/zero', 'sub/x.shard']) {
      const dir = await copy();
      await editJson(join(dir, 'index.json'), (i) => ((i.splits as { train: { shards: Array<{ file: string }> } }).train.shards[0]!.file = file));
      await expect(PreparedSplit.open(dir, 'train')).rejects.toThrow(`${JSON.stringify(file)} is not a plain file name inside ${dir}`);
    }
  });

  it('cannot make a plain-named shard a FIFO, a device link or a link out of the folder', async () => {
    const { spawnSync } = await import('node:child_process');
    const { rm, symlink } = await import('node:fs/promises');
    for (const kind of ['fifo', 'device', 'link']) {
      const dir = await copy();
      const shard = await firstShard(dir);
      await rm(shard);
      if (kind === 'fifo') expect(spawnSync('mkfifo', [shard]).status).toBe(0);
      else await symlink(kind === 'device' ? '/dev/zero' : join(pristine, shard.split('/').at(-1)!), shard);
      const started = Date.now();
      await expect(PreparedSplit.open(dir, 'train')).rejects.toThrow(
        kind === 'fifo' ? `${shard}: not a regular file` : `${shard}: is a symbolic link; only regular files are read`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('cannot point the mean image outside its folder, nor make it non-finite or the wrong size', async () => {
    const dir = await copy();
    await editJson(join(dir, 'stats.json'), (s) => (s.meanImage = '../../etc/passwd'));
    await expect(readDatasetStats(dir)).rejects.toThrow(`stats.json: meanImage: "../../etc/passwd" is not a plain file name inside ${dir}`);
    const nan = await copy();
    const mean = join(nan, 'mean-image.f32');
    const values = new Float32Array((await readFile(mean)).buffer.slice(0));
    values[7] = Number.NaN;
    await writeFile(mean, Buffer.from(values.buffer));
    await expect(readDatasetStats(nan)).rejects.toThrow(`${mean}: value 7 is NaN; only finite numbers are accepted`);
    const small = await copy();
    await writeFile(join(small, 'mean-image.f32'), Buffer.alloc(12));
    await expect(readDatasetStats(small)).rejects.toThrow(`12 bytes where ${16 * 16 * 3 * 4} were expected`);
  });

  it('refuses statistics of the wrong types or sizes', async () => {
    const dir = await copy();
    await editJson(join(dir, 'stats.json'), (s) => (s.channelMean = [1, 'x', 3]));
    await expect(readDatasetStats(dir)).rejects.toThrow(`${join(dir, 'stats.json')}: channelMean[1]:`);
    const resized = await copy();
    await expect(readDatasetStats(resized, 32)).rejects.toThrow("statistics of 16×16 images, but the dataset's are 32×32");
  });

  it('refuses labels outside the class count', async () => {
    for (const label of [99, -1]) {
      const dir = await copy();
      const shard = await firstShard(dir);
      await editShardHeader(shard, (h) => ((h.labels as number[])[0] = label));
      await expect(PreparedSplit.open(dir, 'train')).rejects.toThrow(
        `${shard}: image 0 has label ${label}, outside the 10 classes of ${join(dir, 'index.json')}`,
      );
    }
  });

  it('refuses offsets that go backwards or start elsewhere, naming the shard', async () => {
    const dir = await copy();
    const shard = await firstShard(dir);
    await editShardHeader(shard, (h) => {
      const offsets = h.offsets as number[];
      [offsets[1], offsets[2]] = [offsets[2]!, offsets[1]!];
    });
    await expect(PreparedSplit.open(dir, 'train')).rejects.toThrow(`${shard}: record 0 has`);
    const negative = await copy();
    const other = await firstShard(negative);
    await editShardHeader(other, (h) => ((h.offsets as number[])[0] = -5));
    await expect(PreparedSplit.open(negative, 'train')).rejects.toThrow(`${other}: offsets[0]:`);
  });

  it('finds splits only among its own keys, and checks the index types', async () => {
    await expect(PreparedSplit.open(pristine, 'constructor')).rejects.toThrow("no split 'constructor' (has train, val)");
    const dir = await copy();
    await editJson(join(dir, 'index.json'), (i) => (i.classes = 'abc'));
    await expect(readPreparedIndex(dir)).rejects.toThrow(`${join(dir, 'index.json')}: classes: `);
    const dup = await copy();
    await editJson(join(dup, 'index.json'), (i) => ((i.classes as string[])[1] = (i.classes as string[])[0]!));
    await expect(readPreparedIndex(dup)).rejects.toThrow('classes: class names must be unique');
  });
});

describe('IDX files from someone else', () => {
  it('stop inflating a gzip bomb at the size the header declares', async () => {
    const dir = await temporaryFolder('idx-bomb');
    const header = encodeIdx([2, 2, 2], new Uint8Array(8));
    // A header for 8 bytes of pixels, followed by 64 MiB of zeros: 64 KiB on disk.
    const bomb = gzipSync(Buffer.concat([Buffer.from(header), Buffer.alloc(64 * 2 ** 20)]));
    await writeFile(join(dir, 'bomb.gz'), bomb);
    const before = process.memoryUsage().rss;
    await expect(readIdxFile(join(dir, 'bomb.gz'))).rejects.toThrow('decompresses to more than the 24 bytes its header declares');
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 2 ** 20);
    await writeFile(join(dir, 'ok.gz'), gzipSync(Buffer.from(header)));
    expect((await readIdxFile(join(dir, 'ok.gz'))).dims).toEqual([2, 2, 2]);
  });
});
