// A check, not a benchmark: 2 epochs straight vs 1 + --resume + 1 through `alexnet train`, on one
// engine, at the demo's size; prints the largest weight difference (0 means the resume is exact).
//   npm run build && node bench/resume-exact.mjs <engine> <prepared dir, e.g. the demo's under .cache/alexnet>
import { rm } from 'node:fs/promises';
import { runTrain } from '../packages/app/dist/train-command.js';
import { loadModel } from '@alexnet/train';
const [engine, data] = process.argv.slice(2);
if (!engine || !data) throw new Error('usage: node bench/resume-exact.mjs <engine> <prepared dir>');
const common = [
  '--data',
  data,
  '--crop',
  '112',
  '--width',
  '0.25',
  '--columns',
  '1',
  '--batch-size',
  '32',
  '--init',
  'glorot',
  '--scale',
  '0.015625',
  '--lr',
  '0.01',
  '--backend',
  engine,
];
const quiet = () => undefined;
for (const d of ['/tmp/resume-a', '/tmp/resume-b']) await rm(d, { recursive: true, force: true });
const t0 = performance.now();
await runTrain([...common, '--out', '/tmp/resume-a', '--epochs', '2'], quiet);
await runTrain([...common, '--out', '/tmp/resume-b', '--epochs', '1'], quiet);
await runTrain(['--data', data, '--resume', '/tmp/resume-b/checkpoints/last', '--epochs', '2', '--backend', engine], quiet);
const w = async (d) => (await loadModel(`${d}/checkpoints/last`)).getWeights().map((t) => t.dataSync());
const [a, b] = [await w('/tmp/resume-a'), await w('/tmp/resume-b')];
let diff = 0,
  count = 0;
a.forEach((x, i) =>
  x.forEach((v, j) => {
    diff = Math.max(diff, Math.abs(v - b[i][j]));
    count++;
  }),
);
console.log(JSON.stringify({ engine, weights: count, maxDifference: diff, seconds: (performance.now() - t0) / 1000 }));
