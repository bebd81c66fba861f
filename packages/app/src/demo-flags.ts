import { parseArgs } from 'node:util';
import { parseEngineChoice } from '@alexnet/backend';
import { DEFAULT_DEMO, type DemoConfig } from './demo-config.js';

export const USAGE = `usage: alexnet <command> [flags]

commands:
  demo      generate the built-in shapes dataset, train a small AlexNet on it, report held-out top-1/top-5
  summary   each layer's output shape and parameter count (alexnet summary --help)

demo flags (defaults in brackets):
  --backend auto|node-gpu|node|wasm|cpu [${DEFAULT_DEMO.backend}]   also ALEXNET_BACKEND
  --epochs N [${DEFAULT_DEMO.epochs}]  --batch-size N [${DEFAULT_DEMO.batchSize}]  --lr X [${DEFAULT_DEMO.learningRate}]  --lr-drop-epoch N [${DEFAULT_DEMO.lrDropEpoch}]  --momentum X [${DEFAULT_DEMO.momentum}]
  --width X [${DEFAULT_DEMO.width}]  --size N [${DEFAULT_DEMO.size}]  --crop N [${DEFAULT_DEMO.crop}]  --per-class N [${DEFAULT_DEMO.perClass}]  --val-fraction X [${DEFAULT_DEMO.valFraction}]
  --seed N [${DEFAULT_DEMO.seed}]  --cache-dir DIR [${DEFAULT_DEMO.cacheDir}]  --runs-dir DIR [${DEFAULT_DEMO.runsDir}]
`;

function number(flag: string, value: string | undefined, fallback: number, check: (n: number) => boolean, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`--${flag}: expected ${what}, got '${value}'`);
  return n;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

export function parseDemoFlags(args: string[], env: Record<string, string | undefined> = process.env): DemoConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      backend: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
      momentum: { type: 'string' }, width: { type: 'string' }, size: { type: 'string' }, crop: { type: 'string' },
      'per-class': { type: 'string' }, 'lr-drop-epoch': { type: 'string' }, 'val-fraction': { type: 'string' }, seed: { type: 'string' }, 'cache-dir': { type: 'string' }, 'runs-dir': { type: 'string' },
    },
  });
  const d = DEFAULT_DEMO;
  const config: DemoConfig = {
    backend:
      values.backend !== undefined
        ? parseEngineChoice(values.backend, '--backend')
        : env.ALEXNET_BACKEND
          ? parseEngineChoice(env.ALEXNET_BACKEND, 'ALEXNET_BACKEND')
          : d.backend,
    epochs: number('epochs', values.epochs, d.epochs, positiveInt, 'a positive integer'),
    batchSize: number('batch-size', values['batch-size'], d.batchSize, positiveInt, 'a positive integer'),
    learningRate: number('lr', values.lr, d.learningRate, (n) => n > 0, 'a positive number'),
    lrDropEpoch: number('lr-drop-epoch', values['lr-drop-epoch'], d.lrDropEpoch, positiveInt, 'a positive integer'),
    momentum: number('momentum', values.momentum, d.momentum, (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    width: number('width', values.width, d.width, (n) => n > 0, 'a positive number'),
    size: number('size', values.size, d.size, positiveInt, 'a positive integer'),
    crop: number('crop', values.crop, d.crop, positiveInt, 'a positive integer'),
    perClass: number('per-class', values['per-class'], d.perClass, (n) => Number.isInteger(n) && n >= 2, 'an integer >= 2'),
    seed: number('seed', values.seed, d.seed, Number.isInteger, 'an integer'),
    cacheDir: values['cache-dir'] ?? d.cacheDir,
    runsDir: values['runs-dir'] ?? d.runsDir,
    valFraction: number('val-fraction', values['val-fraction'], d.valFraction, (n) => n > 0 && n < 1, 'a fraction in (0, 1)'),
  };
  if (config.crop > config.size) throw new Error(`--crop ${config.crop} is larger than --size ${config.size}`);
  return config;
}
