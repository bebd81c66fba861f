import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { FeatureIndex } from './feature-index.js';

let dir: string;
beforeAll(async () => {
  dir = await temporaryFolder('feature-index');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Points in the plane: id 10 at (0, 0), 11 at (3, 4), 12 at (−3, 4), 13 at (1, 0), 14 at (0, −1). */
function plane(): FeatureIndex {
  const index = new FeatureIndex(2);
  index.add(Float32Array.from([0, 0, 3, 4, -3, 4]), [10, 11, 12]);
  index.add(Float32Array.from([1, 0, 0, -1]), [13, 14]);
  return index;
}

/** Plain float64 reference: every stored point's distance, sorted by (distance, id). */
function reference(points: number[][], ids: number[], query: number[]) {
  return points
    .map((p, i) => ({ id: ids[i]!, distance: Math.hypot(...p.map((v, d) => v - query[d]!)) }))
    .sort((a, b) => a.distance - b.distance || a.id - b.id);
}

describe('FeatureIndex', () => {
  it('finds the nearest vectors by Euclidean distance, nearest first', () => {
    const index = plane();
    expect(index.count).toBe(5);
    expect(index.nearest(Float32Array.from([3, 3]), 2)).toEqual([
      { id: 11, distance: 1 },
      { id: 13, distance: Math.sqrt(13) },
    ]);
  });

  it('orders equal distances by id', () => {
    // From (0, 4): 11 and 12 are both 3 away; from the origin 13 and 14 are both 1 away.
    expect(plane().nearest(Float32Array.from([0, 4]), 3)).toEqual([
      { id: 11, distance: 3 },
      { id: 12, distance: 3 },
      { id: 10, distance: 4 },
    ]);
    expect(
      plane()
        .nearest(Float32Array.from([0, 0]), 3)
        .map((n) => n.id),
    ).toEqual([10, 13, 14]);
    const reversed = new FeatureIndex(1);
    reversed.add(Float32Array.from([5, 5, 5]), [9, 2, 7]);
    expect(reversed.nearest(Float32Array.from([0]), 2).map((n) => n.id)).toEqual([2, 7]);
  });

  it('returns everything when k exceeds the count, and nothing for k = 0 or an empty index', () => {
    expect(plane().nearest(Float32Array.from([0, 0]), 10)).toHaveLength(5);
    expect(plane().nearest(Float32Array.from([0, 0]), 0)).toEqual([]);
    expect(new FeatureIndex(2).nearest(Float32Array.from([0, 0]), 3)).toEqual([]);
  });

  it('matches a float64 reference on random data', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const dim = 7;
    const points = Array.from({ length: 200 }, () => Array.from({ length: dim }, () => Math.fround(random())));
    const ids = points.map((_, i) => 1000 - i);
    const index = new FeatureIndex(dim);
    for (let start = 0; start < points.length; start += 37) {
      index.add(Float32Array.from(points.slice(start, start + 37).flat()), ids.slice(start, start + 37));
    }
    const query = Array.from({ length: dim }, () => Math.fround(random()));
    const found = index.nearest(Float32Array.from(query), 9);
    const expected = reference(points, ids, query).slice(0, 9);
    expect(found.map((n) => n.id)).toEqual(expected.map((n) => n.id));
    found.forEach((n, i) => expect(n.distance).toBeCloseTo(expected[i]!.distance, 12));
  });

  it('refuses mismatched sizes', () => {
    const index = new FeatureIndex(3);
    expect(() => index.add(new Float32Array(5), [1, 2])).toThrow(/5 values are not 2 vectors of 3/);
    expect(() => index.add(new Float32Array(3), [1.5])).toThrow(/integers/);
    expect(() => index.nearest(new Float32Array(2), 1)).toThrow(/query has 2 values/);
  });

  it('saves and loads, atomically, to the same search results', async () => {
    const path = join(dir, 'plane.idx');
    const index = plane();
    await index.save(path);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const loaded = await FeatureIndex.load(path);
    expect([loaded.dim, loaded.count]).toEqual([2, 5]);
    for (const query of [
      [0, 0],
      [0, 4],
      [3, 3],
      [-2, 9],
    ]) {
      expect(loaded.nearest(Float32Array.from(query), 5)).toEqual(index.nearest(Float32Array.from(query), 5));
    }
    // A loaded index keeps growing.
    loaded.add(Float32Array.from([0, 4]), [99]);
    expect(loaded.nearest(Float32Array.from([0, 4]), 1)).toEqual([{ id: 99, distance: 0 }]);
    // An empty index round-trips too.
    await new FeatureIndex(4).save(join(dir, 'empty.idx'));
    expect((await FeatureIndex.load(join(dir, 'empty.idx'))).count).toBe(0);
  });

  it('names the file when it is truncated, padded or not an index', async () => {
    const path = join(dir, 'whole.idx');
    await plane().save(path);
    const bytes = await readFile(path);
    const truncated = join(dir, 'truncated.idx');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 3));
    await expect(FeatureIndex.load(truncated)).rejects.toThrow(
      `${truncated}: not a readable feature index: 5 vectors of 2 need ${bytes.length} bytes, the file has ${bytes.length - 3} (truncated?)`,
    );
    const headerOnly = join(dir, 'header-only.idx');
    await writeFile(headerOnly, bytes.subarray(0, 20));
    await expect(FeatureIndex.load(headerOnly)).rejects.toThrow(`${headerOnly}: not a readable feature index: the header is cut short`);
    const longer = join(dir, 'longer.idx');
    await writeFile(longer, Buffer.concat([bytes, Buffer.alloc(4)]));
    await expect(FeatureIndex.load(longer)).rejects.toThrow(/longer\.idx: .* the file has/);
    const other = join(dir, 'other.idx');
    await writeFile(other, 'hello, world');
    await expect(FeatureIndex.load(other)).rejects.toThrow(/other\.idx: not a readable feature index: it does not start with/);
  });
});
