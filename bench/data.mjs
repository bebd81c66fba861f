// Benchmark, not a test: images/s of the @alexnet/data input pipeline side by
// side with torchvision doing the same work on the same machine, with the
// same number of worker processes; prints a table with the ratios.
//   1. prepare: photo-sized JPEGs -> shorter side 256, center crop 256 -> stored
//      (prepareDataset vs a multiprocessing Pool of PIL + torchvision transforms);
//   2. loader: random crop + mirror + PCA lighting + mean subtraction, batched
//      (BatchLoader vs DataLoader), reading the same raw shard files, and for
//      context torchvision's usual ImageFolder of JPEGs.
//   npm run bench:data -- [--images 2000] [--workers W] [--batch 128] [--crop 224]
//                         [--epochs 4] [--warmup 2] [--rounds 3] [--no-torch | --torch-only]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    workers: { type: 'string', default: String(availableParallelism()) },
    batch: { type: 'string', default: '128' },
    crop: { type: 'string', default: '224' },
    epochs: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    'torch-only': { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const count = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
};
const images = count('images');
const workers = count('workers');
const batch = count('batch');
const crop = count('crop');
const epochs = count('epochs');
const warmup = count('warmup');
const roundCount = count('rounds');
const runOurs = !values['torch-only'];
const runTorch = !values['no-torch'];
if (!runOurs && !runTorch) throw new Error('--torch-only and --no-torch leave nothing to run');
const SIZE = 256;

// prepare keeps 4 images per core in flight (its default) on W cores' worth of work;
// sharp decodes on libuv's thread pool, which needs as many threads. It must be set
// before the pool starts, so before the imports.
const inFlight = 4 * workers;
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, inFlight));
const { default: sharp } = await import('sharp');
const { prepareDataset, BatchLoader, seededRandom } = await import('@alexnet/data');

const root = fileURLToPath(new URL('../.cache/bench-data/', import.meta.url));
const run = join(root, 'run');
const torchScript = fileURLToPath(new URL('./data_torch.py', import.meta.url));
const loadBefore = loadavg();

function torch(...args) {
  const result = spawnSync(values.python, [torchScript, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || '').trim().split('\n').at(-1);
    throw new Error(`torchvision side failed (${why}); it needs python3-torch, python3-torchvision and python3-pil (apt-get)`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

// ---------------------------------------------------------------------------------------------
// 1. Inputs: photo-like JPEGs, generated once and kept in .cache/bench-data/photos/n<N>.

const GENERATOR_VERSION = 1;
// ImageNet-like shapes: mostly 500×375 / 500×333 and portrait; one in ten larger.
const SHAPES = [
  [500, 375, 0.52],
  [500, 333, 0.16],
  [375, 500, 0.12],
  [333, 500, 0.1],
  [1024, 768, 0.07],
  [768, 1024, 0.03],
];

/**
 * One photo-like image as raw RGB: a four-colour gradient with low-frequency
 * waves, soft-edged blobs with their own gradient and fine texture, a 1/f-ish
 * value-noise texture, and mild sensor noise — so it compresses like a photo
 * (~0.35 bytes/pixel at quality 90), unlike flat synthetic shapes.
 */
function photo(i) {
  const r = seededRandom(0x9e3779b9 ^ Math.imul(i + 1, 2654435761));
  let u = r();
  let [w, h] = [500, 375];
  for (const [sw, sh, p] of SHAPES)
    if ((u -= p) < 0) {
      [w, h] = [sw, sh];
      break;
    }
  const px = new Float32Array(w * h * 3);
  const colour = () => [r() * 255, r() * 255, r() * 255];
  const [c00, c10, c01, c11] = [colour(), colour(), colour(), colour()];
  const waves = Array.from({ length: 3 }, () => ({
    fx: ((r() * 6 + 0.5) * 2 * Math.PI) / w,
    fy: ((r() * 6 + 0.5) * 2 * Math.PI) / h,
    phase: r() * 6.28,
    a: [r() * 30 - 15, r() * 30 - 15, r() * 30 - 15],
  }));
  for (let y = 0; y < h; y++) {
    const v = y / (h - 1);
    for (let x = 0; x < w; x++) {
      const s = x / (w - 1);
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) px[o + c] = (1 - s) * (1 - v) * c00[c] + s * (1 - v) * c10[c] + (1 - s) * v * c01[c] + s * v * c11[c];
      for (const wave of waves) {
        const t = Math.sin(wave.fx * x + wave.fy * y + wave.phase);
        px[o] += wave.a[0] * t;
        px[o + 1] += wave.a[1] * t;
        px[o + 2] += wave.a[2] * t;
      }
    }
  }
  const blobs = 3 + Math.floor(r() * 6);
  for (let b = 0; b < blobs; b++) {
    const cx = r() * w,
      cy = r() * h,
      rx = (0.05 + r() * 0.3) * w,
      ry = (0.05 + r() * 0.3) * h;
    const angle = r() * Math.PI,
      ca = Math.cos(angle),
      sa = Math.sin(angle);
    const c1 = colour(),
      c2 = colour(),
      freq = 0.2 + r() * 0.8,
      texture = r() * 25,
      edge = 0.02 + r() * 0.15;
    const R = Math.max(rx, ry);
    for (let y = Math.max(0, Math.floor(cy - R)); y < Math.min(h, Math.ceil(cy + R)); y++) {
      for (let x = Math.max(0, Math.floor(cx - R)); x < Math.min(w, Math.ceil(cx + R)); x++) {
        const dx = x - cx,
          dy = y - cy;
        const ex = (dx * ca + dy * sa) / rx,
          ey = (-dx * sa + dy * ca) / ry;
        const d = Math.sqrt(ex * ex + ey * ey);
        if (d >= 1) continue;
        const a = Math.min(1, (1 - d) / edge),
          g = (ey + 1) / 2,
          t = texture * Math.sin(freq * x) * Math.sin(freq * 0.7 * y);
        const o = (y * w + x) * 3;
        for (let c = 0; c < 3; c++) px[o + c] = px[o + c] * (1 - a) + (c1[c] * (1 - g) + c2[c] * g + t) * a;
      }
    }
  }
  const lum = new Float32Array(w * h);
  const amount = 0.6 + r() * 0.8;
  for (const [cell, amp] of [
    [96, 16],
    [48, 14],
    [24, 13],
    [12, 12],
    [6, 11],
    [3, 12],
    [1.5, 12],
  ]) {
    const gw = Math.ceil(w / cell) + 2,
      gh = Math.ceil(h / cell) + 2;
    const grid = new Float32Array(gw * gh);
    for (let k = 0; k < grid.length; k++) grid[k] = r() * 2 - 1;
    for (let y = 0; y < h; y++) {
      const fy = y / cell,
        iy = Math.floor(fy),
        ty = fy - iy,
        sy = ty * ty * (3 - 2 * ty);
      for (let x = 0; x < w; x++) {
        const fx = x / cell,
          ix = Math.floor(fx),
          tx = fx - ix,
          sx = tx * tx * (3 - 2 * tx),
          k = iy * gw + ix;
        lum[y * w + x] += amp * amount * ((grid[k] * (1 - sx) + grid[k + 1] * sx) * (1 - sy) + (grid[k + gw] * (1 - sx) + grid[k + gw + 1] * sx) * sy);
      }
    }
  }
  const out = Buffer.allocUnsafe(w * h * 3);
  const sigma = 4 + r() * 6;
  for (let p = 0; p < w * h; p++) {
    const shared = (r() + r() + r() - 1.5) * sigma * 1.2;
    const l = lum[p];
    for (let c = 0; c < 3; c++) {
      const v = px[p * 3 + c] + l * (1 - 0.075 * c) + shared + (r() - 0.5) * sigma;
      out[p * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: w, height: h, pixels: out };
}

async function photos(n) {
  const dir = join(root, 'photos', `n${n}`);
  const marker = join(root, 'photos', `n${n}.json`);
  if (existsSync(marker)) {
    const done = JSON.parse(readFileSync(marker, 'utf8'));
    if (done.version === GENERATOR_VERSION && done.images === n) return { dir, ...done };
  }
  await rm(dir, { recursive: true, force: true });
  await rm(marker, { force: true });
  for (let c = 0; c < 10; c++) await mkdir(join(dir, `class-${c}`), { recursive: true });
  process.stdout.write(`generating ${n} photo-like JPEGs into ${dir} (once) `);
  let bytes = 0,
    pixels = 0;
  const pending = new Set();
  for (let i = 0; i < n; i++) {
    const { width, height, pixels: raw } = photo(i); // generated while the previous ones encode
    pixels += width * height;
    const file = join(dir, `class-${i % 10}`, `img-${String(i).padStart(5, '0')}.jpg`);
    const job = sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(file)
      .then((info) => {
        bytes += info.size;
        pending.delete(job);
      });
    pending.add(job);
    if (pending.size >= 2) await Promise.race(pending);
    if (i % 200 === 199) process.stdout.write('.');
  }
  await Promise.all(pending);
  process.stdout.write('\n');
  const done = { version: GENERATOR_VERSION, images: n, quality: 90, meanBytes: bytes / n, meanPixels: pixels / n };
  await writeFile(marker, JSON.stringify(done, null, 2) + '\n');
  return { dir, ...done };
}

// ---------------------------------------------------------------------------------------------
// 2. Prepare.

function shardBytes(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.shard'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function oursPrepare(src, out, encoding) {
  await rm(out, { recursive: true, force: true });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let imagesDone, cpu;
  const summary = await prepareDataset(src, out, {
    size: SIZE,
    workers: inFlight,
    valFraction: 0.1,
    seed: 1,
    shardSize: 1024,
    encoding,
    onProgress: (stage) => {
      if (stage !== 'stats' || imagesDone !== undefined) return;
      imagesDone = performance.now();
      cpu = process.cpuUsage(cpuStart); // all threads of this process: libuv's (sharp) and ours
    },
  });
  const end = performance.now();
  return {
    images: summary.kept,
    imagesPerSecond: (summary.kept * 1000) / (imagesDone - start), // shards written (decode, resize, crop, store)
    wholePerSecond: (summary.kept * 1000) / (end - start), // the whole call, with the stats pass over train
    seconds: (end - start) / 1000,
    statsSeconds: (end - imagesDone) / 1000,
    bytesPerImage: shardBytes(out) / summary.kept,
    coresBusy: (cpu.user + cpu.system) / 1000 / (imagesDone - start),
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / summary.kept,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Loader.

async function oursLoader(dir) {
  const start = performance.now();
  const loader = await BatchLoader.open(dir, { split: 'train', batchSize: batch, crop, workers, seed: 1, mean: 'image', lighting: 0.1 });
  let seen = 0,
    warmImages = 0,
    warmStart,
    firstEpoch;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for await (const { xs, ys } of loader.epochArrays(epoch)) {
        seen += ys.length;
        if (xs.length !== ys.length * crop * crop * 3) throw new Error(`batch of ${xs.length} values for ${ys.length} labels`);
        if (warmStart !== undefined) warmImages += ys.length;
        else if (seen / batch === warmup) warmStart = performance.now();
      }
      if (epoch === 0) firstEpoch = (performance.now() - start) / 1000;
    }
  } finally {
    await loader.close();
  }
  const end = performance.now();
  return {
    images: seen,
    seconds: (end - start) / 1000,
    firstEpochSeconds: firstEpoch,
    imagesPerSecond: warmImages === 0 ? undefined : (warmImages * 1000) / (end - warmStart),
    withStartup: (seen * 1000) / (end - start),
  };
}

// ---------------------------------------------------------------------------------------------
// Run.

await mkdir(run, { recursive: true });
const input = await photos(images);
const rawDir = join(run, 'ours-raw');
const jpegDir = join(run, 'ours-jpeg');
const folder = join(run, 'torch-jpeg-folder');
const results = {};
const rounds = [];
const median = (xs) => {
  const v = xs.filter((x) => x != null).sort((a, b) => a - b);
  return v.length === 0 ? undefined : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
// Per field, the median over rounds (so a number in the table is one side's median, not one lucky run).
const medianOf = (list) => (list.length === 0 ? undefined : Object.fromEntries(Object.keys(list[0]).map((k) => [k, median(list.map((r) => r[k]))])));
const loaderArgs = (source, path) => ['loader', source, path, rawDir, workers, batch, crop, epochs, warmup];
const torchOut = join(run, 'torch-prepared.u8');

// The two primary pairs run `--rounds` times, alternating sides, on this shared machine.
for (let r = 0; r < roundCount; r++) {
  const round = {};
  if (runOurs) round.prepareRaw = await oursPrepare(input.dir, rawDir, 'raw');
  if (runTorch) {
    await rm(torchOut, { force: true });
    round.torchPrepare = torch('prepare', input.dir, torchOut, workers, SIZE);
    await rm(torchOut, { force: true });
  }
  if (!runOurs && r === 0) await ensurePrepared(rawDir, 'raw');
  if (runOurs) round.loaderRaw = await oursLoader(rawDir);
  if (runTorch) round.torchShards = torch(...loaderArgs('shards', rawDir));
  rounds.push(round);
}
for (const key of ['prepareRaw', 'torchPrepare', 'loaderRaw', 'torchShards']) results[key] = medianOf(rounds.map((r) => r[key]).filter(Boolean));

// Context, once: the JPEG encoding, and the loaders that decode JPEGs.
if (runOurs) results.prepareJpeg = await oursPrepare(input.dir, jpegDir, 'jpeg');
else await ensurePrepared(jpegDir, 'jpeg');
if (runTorch) {
  await rm(folder, { recursive: true, force: true });
  torch('jpeg-folder', jpegDir, folder); // untimed: the JPEG shards' records as an ImageFolder, byte for byte
}
if (runOurs) results.loaderJpeg = await oursLoader(jpegDir);
if (runTorch) results.torchFolder = torch(...loaderArgs('folder', folder));

/** With --torch-only, the loaders still read our shards: made untimed if an earlier run left none. */
async function ensurePrepared(dir, encoding) {
  const index = join(dir, 'index.json');
  const stale = !existsSync(index) || JSON.parse(readFileSync(index, 'utf8')).source.path !== input.dir;
  if (stale) await oursPrepare(input.dir, dir, encoding);
}

// ---------------------------------------------------------------------------------------------
// Report.

const peer = runTorch ? torch('versions') : undefined;
const fmt = (v) => (v == null ? '—' : v.toFixed(1));
const ratio = (a, b) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);
const rows = [
  ['prepare 256² raw: decode, resize, crop, store', results.prepareRaw?.imagesPerSecond, results.torchPrepare?.imagesPerSecond],
  ['  same, whole prepareDataset (+ stats pass)', results.prepareRaw?.wholePerSecond, results.torchPrepare?.imagesPerSecond],
  ['prepare 256² jpeg q90 4:4:4 (torchvision: raw)', results.prepareJpeg?.imagesPerSecond, results.torchPrepare?.imagesPerSecond],
  ['loader, same raw shards  [primary]', results.loaderRaw?.imagesPerSecond, results.torchShards?.imagesPerSecond],
  ['loader, ours raw vs torchvision ImageFolder', results.loaderRaw?.imagesPerSecond, results.torchFolder?.imagesPerSecond],
  ['loader, both decode the same 256² JPEGs', results.loaderJpeg?.imagesPerSecond, results.torchFolder?.imagesPerSecond],
];
const line = (a, b, c, d) => console.log(`${a.padEnd(50)} ${b.padStart(10)} ${c.padStart(17)} ${d.padStart(7)}`);
console.log('');
console.log(
  `${images} photo-like JPEGs, mean ${(input.meanBytes / 1024).toFixed(1)} KiB and ${(input.meanPixels / 1e3).toFixed(0)}k pixels; ` +
    `${workers} workers each side (prepare: ours ${inFlight} images in flight on the libuv pool, torchvision ${workers} processes); loader: train split, batch ${batch}, crop ${crop}, ${epochs} epochs, first ${warmup} batches not timed`,
);
line('stage', 'ours img/s', 'torchvision img/s', 'ratio');
for (const [name, a, b] of rows) line(name, fmt(a), fmt(b), ratio(a, b));
if (rounds.length > 1 && runOurs && runTorch) {
  const spread = (a, b) => rounds.map((r) => (r[a].imagesPerSecond / r[b].imagesPerSecond).toFixed(2)).join(', ');
  console.log(
    `medians of ${rounds.length} alternating rounds; per-round ratios: prepare ${spread('prepareRaw', 'torchPrepare')}; ` +
      `loader on the same shards ${spread('loaderRaw', 'torchShards')}`,
  );
}
if (results.prepareRaw || results.torchPrepare) {
  const use = (r) => (r ? `${r.coresBusy.toFixed(2)} cores busy, ${r.cpuMsPerImage.toFixed(2)} ms CPU/image` : '—');
  console.log(`prepare CPU use (raw): ours ${use(results.prepareRaw)}; torchvision ${use(results.torchPrepare)}`);
}
if (results.prepareRaw) {
  console.log(
    `disk: raw shards ${(results.prepareRaw.bytesPerImage / 1024).toFixed(1)} KiB/image, ` +
      `jpeg shards ${(results.prepareJpeg.bytesPerImage / 1024).toFixed(1)} KiB/image ` +
      `(${(results.prepareRaw.bytesPerImage / results.prepareJpeg.bytesPerImage).toFixed(1)}× smaller); ` +
      `stats pass ${results.prepareRaw.statsSeconds.toFixed(2)} s (raw), ${results.prepareJpeg.statsSeconds.toFixed(2)} s (jpeg)`,
  );
}
const startup = (r) => (r ? `${r.withStartup.toFixed(1)} img/s (first epoch ${r.firstEpochSeconds.toFixed(2)} s)` : '—');
console.log(
  `loader with startup counted: ours raw ${startup(results.loaderRaw)}, jpeg ${startup(results.loaderJpeg)}; ` +
    `torchvision shards ${startup(results.torchShards)}, folder ${startup(results.torchFolder)}`,
);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `machine: ${availableParallelism()} cores (${cpu}), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
    `${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} after`,
);
console.log(
  `ours: node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips} ` +
    `(concurrency ${sharp.concurrency()}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE})` +
    (peer
      ? `; torchvision: python ${peer.python}, torch ${peer.torch}, torchvision ${peer.torchvision}, PIL ${peer.pil} (libjpeg ${peer.libjpeg}), numpy ${peer.numpy}`
      : ''),
);
