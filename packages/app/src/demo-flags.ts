import { parseArgs } from 'node:util';
import { parseEngineChoice } from '@alexnet/backend';
import { DEFAULT_DEMO, type DemoConfig } from './demo-config.js';
import { INIT_SCHEMES } from '@alexnet/train';
import { choiceFlag, numberFlag } from './flag-values.js';

export const USAGE = `usage: alexnet <command> [flags]

commands:
  demo      generate the built-in shapes dataset, train a small AlexNet on it, report held-out top-1/top-5
  prepare   turn an image tree, ILSVRC, Fashion-MNIST or CIFAR-10 into shards + statistics (alexnet prepare --help)
  train     the paper's training procedure on a prepared dataset, with checkpoints and --resume (alexnet train --help)
  stats     recompute a prepared dataset's mean image and RGB PCA (alexnet stats --help)
  eval      top-1/top-5 error of a checkpoint, center crop or 10 crops, confusion matrix (alexnet eval --help)
  predict   the top classes of image files (alexnet predict --help)
  filters   the first layer's kernels as a picture, Figure 3 (alexnet filters --help)
  similar   the training images nearest in fc7 feature space, Figure 4 (alexnet similar --help)
  summary   each layer's output shape and parameter count (alexnet summary --help)
  engine    the tensor engines and their status; \`engine install\` makes the native one usable (alexnet engine --help)

demo flags (defaults in brackets):
  --backend auto|node-gpu|node|wasm|cpu [${DEFAULT_DEMO.backend}]   also ALEXNET_BACKEND
  --epochs N [${DEFAULT_DEMO.epochs}]  --batch-size N [${DEFAULT_DEMO.batchSize}]  --lr X [${DEFAULT_DEMO.learningRate}]  --lr-drop-epoch N [${DEFAULT_DEMO.lrDropEpoch}]  --momentum X [${DEFAULT_DEMO.momentum}]
  --width X [${DEFAULT_DEMO.width}]  --size N [${DEFAULT_DEMO.size}]  --crop N [${DEFAULT_DEMO.crop}]  --per-class N [${DEFAULT_DEMO.perClass}]  --val-fraction X [${DEFAULT_DEMO.valFraction}]
  --init paper|caffe|he|glorot [${DEFAULT_DEMO.init}]  --lighting SIGMA|off [${DEFAULT_DEMO.lighting}]  --seed N [${DEFAULT_DEMO.seed}]  --cache-dir DIR [${DEFAULT_DEMO.cacheDir}]  --runs-dir DIR [${DEFAULT_DEMO.runsDir}]
`;

export function parseDemoFlags(args: string[], env: Record<string, string | undefined> = process.env): DemoConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      backend: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
      momentum: { type: 'string' }, width: { type: 'string' }, size: { type: 'string' }, crop: { type: 'string' },
      'per-class': { type: 'string' }, lighting: { type: 'string' }, init: { type: 'string' }, 'lr-drop-epoch': { type: 'string' }, 'val-fraction': { type: 'string' }, seed: { type: 'string' }, 'cache-dir': { type: 'string' }, 'runs-dir': { type: 'string' },
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
    epochs: numberFlag('epochs', values.epochs, { integer: true, min: 1 }) ?? d.epochs,
    batchSize: numberFlag('batch-size', values['batch-size'], { integer: true, min: 1 }) ?? d.batchSize,
    learningRate: numberFlag('lr', values.lr, { above: 0 }) ?? d.learningRate,
    lrDropEpoch: numberFlag('lr-drop-epoch', values['lr-drop-epoch'], { integer: true, min: 2 }) ?? d.lrDropEpoch,
    momentum: numberFlag('momentum', values.momentum, { min: 0, below: 1 }) ?? d.momentum,
    width: numberFlag('width', values.width, { above: 0 }) ?? d.width,
    size: numberFlag('size', values.size, { integer: true, min: 1 }) ?? d.size,
    crop: numberFlag('crop', values.crop, { integer: true, min: 1 }) ?? d.crop,
    perClass: numberFlag('per-class', values['per-class'], { integer: true, min: 2 }) ?? d.perClass,
    init: choiceFlag('init', values.init, INIT_SCHEMES) ?? d.init,
    lighting: values.lighting === 'off' ? false : (numberFlag('lighting', values.lighting, { min: 0 }) ?? d.lighting),
    seed: numberFlag('seed', values.seed, { integer: true }) ?? d.seed,
    cacheDir: values['cache-dir'] ?? d.cacheDir,
    runsDir: values['runs-dir'] ?? d.runsDir,
    valFraction: numberFlag('val-fraction', values['val-fraction'], { above: 0, below: 1 }) ?? d.valFraction,
  };
  if (config.crop > config.size) throw new Error(`--crop ${config.crop} is larger than --size ${config.size}`);
  return config;
}
