// Benchmark, not a test: images/s of the full AlexNet training step at 227×227 with 1000
// classes — the single ungrouped column and the paper's two columns (conv2/4/5 grouped) —
// on every tfjs engine present, side by side with the strongest PyTorch on this machine,
// the same model on both sides and the same number of threads. Prints a table and ratios.
//   npm run bench:train -- [--engines node,wasm] [--models single,paper] [--batches 32,128]
//                          [--steps 3] [--rounds 1] [--threads 2] [--size 227] [--python PATH] [--profile]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { engineStatus } from '@alexnet/backend';

const { values } = parseArgs({
  options: {
    engines: { type: 'string' },
    models: { type: 'string', default: 'single,paper' },
    batches: { type: 'string', default: '32,128' },
    steps: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    size: { type: 'string', default: '227' },
    python: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const [steps, rounds, threads, size] = [values.steps, values.rounds, values.threads, values.size].map(Number);
const MODELS = { single: 1, paper: 2 };
const models = list(values.models);
for (const m of models) if (!(m in MODELS)) throw new Error(`--models: '${m}' is not one of single, paper`);
const batches = list(values.batches).map(Number);

// Engines: every usable one (cpu only when asked: plain JavaScript takes minutes per step here).
const status = await engineStatus();
const usable = status.engines.filter((e) => e.status === 'usable').map((e) => e.engine);
const engines = values.engines ? list(values.engines) : usable.filter((e) => e !== 'cpu');
for (const e of status.engines) if (!usable.includes(e.engine) && e.engine !== 'cpu') console.log(`${e.engine}: not measured (${e.status}: ${e.detail})`);

// PyTorch: pip's torch in .venv-torch (the strongest here), else Debian's python3-torch.
const root = fileURLToPath(new URL('..', import.meta.url));
const candidates = [values.python, process.env.ALEXNET_TORCH_PYTHON, `${root}.venv-torch/bin/python`, '/usr/bin/python3'].filter(Boolean);
const python = candidates.find((p) => existsSync(p) && spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

function child(program, args, env = {}) {
  const run = spawnSync(program, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const last = (run.stdout || '').trim().split('\n').at(-1);
  if (run.status === 0 && last?.startsWith('{')) return JSON.parse(last);
  const why = (run.stderr || run.error?.message || `exit ${run.status ?? run.signal}`)
    .trim()
    .split('\n')
    .filter((l) => /rror|abort|memory/i.test(l))
    .at(-1);
  return { failed: why ?? `exit ${run.status ?? run.signal}` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function measure(run) {
  const results = Array.from({ length: rounds }, run);
  const failed = results.find((r) => r.failed);
  return failed ?? { ...results[0], imagesPerSecond: median(results.map((r) => r.imagesPerSecond)), msPerStep: median(results.map((r) => r.msPerStep)) };
}

const tfjsScript = fileURLToPath(new URL('./train-step-tfjs.mjs', import.meta.url));
const torchScript = fileURLToPath(new URL('./train_step_torch.py', import.meta.url));
// The native engine's thread pools sized like PyTorch's (torch.set_num_threads).
const nativeEnv = { TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads), TF_CPP_MIN_LOG_LEVEL: '1' };

console.log(
  `AlexNet training step at ${size}×${size}, 1000 classes, SGD + momentum + weight decay; ${steps} timed steps after 1 warm-up, median of ${rounds} round(s); ${threads} threads each`,
);
let torchVersion = 'pytorch: not found (python3 -m venv .venv-torch && .venv-torch/bin/pip install torch, or apt-get install python3-torch)';
const rows = [];
for (const model of models) {
  for (const batch of batches) {
    const torch = python
      ? measure(() => child(python, [torchScript, String(MODELS[model]), String(size), String(batch), String(steps), String(threads)]))
      : { failed: 'no PyTorch' };
    if (!torch.failed) torchVersion = `${torch.engine} (${python}), ${torch.threads} threads`;
    for (const engine of engines) {
      const args = [tfjsScript, engine, String(MODELS[model]), String(size), String(batch), String(steps), ...(values.profile ? ['--profile'] : [])];
      const ours = measure(() => child(process.execPath, args, engine.startsWith('node') ? nativeEnv : {}));
      rows.push({ model, batch, engine, ours, torch });
      const fmt = (r) => (r.failed ? `— (${r.failed.slice(0, 60)})` : `${r.imagesPerSecond.toFixed(2)} img/s`);
      const ratio = ours.failed || torch.failed ? '—' : `${(ours.imagesPerSecond / torch.imagesPerSecond).toFixed(2)}×`;
      console.log(
        `${model.padEnd(6)} (${(ours.params ?? torch.params ?? 0).toLocaleString('en-US')} params) batch ${String(batch).padStart(3)}  tfjs ${engine.padEnd(8)} ${fmt(ours).padEnd(18)} pytorch ${fmt(torch).padEnd(18)} ratio ${ratio}`,
      );
      if (ours.kernels) {
        const total = ours.kernels.reduce((s, k) => s + k.ms, 0);
        for (const k of ours.kernels.slice(0, 12))
          console.log(`    ${k.name.padEnd(28)} ${k.ms.toFixed(0).padStart(7)} ms  ${((100 * k.ms) / total).toFixed(1).padStart(5)} %`);
        console.log(`    ${'all kernels'.padEnd(28)} ${total.toFixed(0).padStart(7)} ms of a ${ours.msPerStep.toFixed(0)} ms step (profiled step)`);
      }
    }
  }
}
console.log(torchVersion);
