// `alexnet train --parallel`'s step (placeTraining: rank 0 here, rank 1 a worker thread or a
// process) against the single engine, for the two-column AlexNet (issue 11 §5).
//   npm run bench:parallel-train -- [engine=wasm] [size=227] [batch=128] [steps=2] [placements=columns,data,hybrid]
// The single engine's step runs at [single-batch] images per pass (wasm: 32, as 128 does not fit its
// 4 GB heap in one pass; the paper's 128 is 4 such passes accumulated, at the same img/s).
// Prints img/s, the speedups, the communication share of a step and bytes per rank beside GUIDE §2's formulas.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { featureChain } from '@alexnet/app';
import { ringAllReduceBytes, columnStepFloatsPerImage, hybridStepFloats } from '@alexnet/parallel';

const [engine = 'wasm', size = '227', batch = '128', steps = '2', placements = 'columns,data,hybrid', singleBatchArg] = process.argv.slice(2);
const [inputSize, batchSize] = [Number(size), Number(batch)];
const singleBatch = singleBatchArg ?? String(engine === 'wasm' ? Math.min(32, batchSize) : batchSize);
const transport = engine.startsWith('node') ? 'processes' : 'threads';
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const lastJson = (out) => JSON.parse(out.trim().split('\n').at(-1));

const single = lastJson(
  execFileSync(process.execPath, [here('./train-step-tfjs.mjs'), engine, '2', size, singleBatch, steps], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }),
);
const chain = featureChain({ arch: 'alexnet', inputSize });
// The formulas (GUIDE §2), per rank and step, for 2 ranks.
const convParameters = 34944 + 307456 + 885120 + 663936 + 442624;
const formula = {
  columns:
    4 * batchSize * columnStepFloatsPerImage({ pool2: [chain.pool2, chain.pool2, 128], pool5: [chain.pool5, chain.pool5, 128], fc6: 2048, classes: 1000 }),
  data: ringAllReduceBytes(single.params, 2) + 8, // + this rank's loss and hits, summed with the gradients
  hybrid: 4 * hybridStepFloats({ localBatch: batchSize / 2, pool5: [chain.pool5, chain.pool5, 256], fc6Half: 2048, classes: 1000, convParameters }),
};
const names = { columns: 'column split', data: 'data parallel', hybrid: 'hybrid (one weird trick)' };
const rows = [
  ['placement', 'img/s', 'vs one engine', 'comm share (rank 0)', 'MB sent by rank 0 per step', 'formula MB', 'MB of images to rank 1'],
  [`one ${engine} engine (${singleBatch} per pass)`, single.imagesPerSecond.toFixed(2), '1.00×', '—', '—', '—', '—'],
];
for (const kind of placements.split(',')) {
  const r = lastJson(
    execFileSync(process.execPath, [here('./parallel-train-run.mjs'), engine, kind, transport, size, batch, steps], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  rows.push([
    `${names[kind]}, 2 ${transport}${r.intraOpThreads ? ` × ${r.intraOpThreads} thread` : ''}`,
    r.imagesPerSecond.toFixed(2),
    `${(r.imagesPerSecond / single.imagesPerSecond).toFixed(2)}×`,
    `${(100 * r.commShare).toFixed(0)} %`,
    (r.bytesPerStep / 1e6).toFixed(1),
    (formula[kind] / 1e6).toFixed(1),
    (r.inputBytesPerStep / 1e6).toFixed(1),
  ]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
console.log(`two-column AlexNet at ${inputSize}, batch ${batchSize} in one pass over 2 devices, ${steps} timed steps after a warm-up, engine ${engine}`);
for (const row of rows) console.log(row.map((c, i) => String(c).padEnd(widths[i])).join('  '));
