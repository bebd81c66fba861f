// The two-column AlexNet's training step on one engine against two worker-thread ranks of the
// same engine (issue 11): the column split (§3.2), data parallelism and the one-weird-trick hybrid,
// each on the whole batch.
//   npm run bench:parallel -- [engine=wasm] [size=227] [batch=32] [steps=2]
// Prints img/s, the speedups, each rank's communication share and bytes per step beside the formulas.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { featureChain } from '@alexnet/app';
import { runThreadRanks, ringAllReduceBytes, columnStepFloatsPerImage, hybridStepFloats } from '@alexnet/parallel';

const [engine = 'wasm', size = '227', batch = '32', steps = '2'] = process.argv.slice(2);
const [inputSize, batchSize, stepCount] = [Number(size), Number(batch), Number(steps)];

const single = JSON.parse(
  execFileSync(process.execPath, [fileURLToPath(new URL('./train-step-tfjs.mjs', import.meta.url)), engine, '2', size, batch, steps], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1),
);
const rank = new URL('./parallel-rank.mjs', import.meta.url).href;
const run = (mode) => runThreadRanks(rank, 2, () => ({ mode, engine, inputSize, batch: batchSize, steps: stepCount }), { timeoutMs: 600_000 });
const columns = await run('columns');
const data = await run('data');
const hybrid = await run('hybrid');

// The formulas (GUIDE §2): per rank and step.
const chain = featureChain({ arch: 'alexnet', inputSize });
const pool2 = [chain.pool2, chain.pool2, 128];
const pool5 = [chain.pool5, chain.pool5, 128];
const columnBytes = 4 * batchSize * columnStepFloatsPerImage({ pool2, pool5, fc6: 2048, classes: 1000 });
const dataBytes = ringAllReduceBytes(single.params, 2);
// The two-column model's conv layers at width 1: 2,334,080 parameters of 60,965,224 (3.8 %).
const convParameters = 34944 + 307456 + 885120 + 663936 + 442624;
const hybridBytes = 4 * hybridStepFloats({ localBatch: batchSize / 2, pool5: [chain.pool5, chain.pool5, 256], fc6Half: 2048, classes: 1000, convParameters });
const rows = [
  ['placement', 'img/s', 'vs one engine', 'communication share', 'MB sent per rank per step', 'formula MB'],
  [`one ${engine} engine`, single.imagesPerSecond.toFixed(2), '1.00×', '—', '—', '—'],
  ...[
    ['column split, 2 threads', columns, columnBytes],
    ['data parallel, 2 threads', data, dataBytes],
    ['hybrid (one weird trick), 2 threads', hybrid, hybridBytes],
  ].map(([name, ranks, formula]) => {
    const ms = Math.max(...ranks.map((r) => r.msPerStep));
    const ips = (batchSize * 1000) / ms;
    const share = ranks.map((r) => `${((100 * r.waitMsPerStep) / r.msPerStep).toFixed(0)} %`).join(' / ');
    const mb = ranks.map((r) => (r.bytesPerStep / 1e6).toFixed(1)).join(' / ');
    return [name, ips.toFixed(2), `${(ips / single.imagesPerSecond).toFixed(2)}×`, share, mb, (formula / 1e6).toFixed(1)];
  }),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
console.log(`two-column AlexNet at ${inputSize}, batch ${batchSize}, ${stepCount} timed steps after a warm-up, engine ${engine}`);
for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '));
