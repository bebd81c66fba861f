import { Option } from '@commander-js/extra-typings';
import { backendOption, parseCommandLine, workersOption } from './command-line.js';
import { DEFAULT_DEMO, type DemoConfig } from './demo-config.js';
import { UsageError } from './exit-codes.js';
import { numberValue } from './option-values.js';
import { RECIPES, commandWithTrainOptions, type ExplicitFlags } from './train-flags.js';

/** `alexnet demo`: the data options of the built-in run, then every train flag (over `--recipe demo`). */
export function defineDemoCommand() {
  const d = DEFAULT_DEMO;
  return commandWithTrainOptions('demo', 'generate the built-in shapes dataset, train a small AlexNet on it (--recipe demo), report held-out top-1/top-5')
    .optionsGroup('The built-in data and where it goes:')
    .addOption(new Option('--per-class <n>', `images per class of the shapes dataset [${d.perClass}]`).argParser(numberValue({ integer: true, min: 2 })))
    .addOption(new Option('--size <px>', `stored image side [${d.size}]`).argParser(numberValue({ integer: true, min: 1, max: 4096 })))
    .addOption(new Option('--val-fraction <x>', `held out per class [${d.valFraction}]`).argParser(numberValue({ above: 0, below: 1 })))
    .option('--cache-dir <dir>', `where the images and their prepared form are kept [${d.cacheDir}]`)
    .option('--runs-dir <dir>', `where the run folder demo-<time> is created [${d.runsDir}]`)
    .option('--tensorboard <dir>', "also write TensorBoard event files there (tfjs-node's writer on the native engine, the same format from ours elsewhere)")
    .addOption(workersOption('threads preparing batches [cores − 1]'))
    .addOption(backendOption());
}

export function parseDemoFlags(args: string[], env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const { perClass, size, valFraction, cacheDir, runsDir, backend, ...flags } = parseCommandLine(defineDemoCommand(), args, env).opts();
  const train: DemoConfig['train'] = { backend };
  for (const [key, value] of Object.entries(flags))
    if (value !== undefined) (train as Record<string, unknown>)[key] = key === 'columns' ? Number(value) : value;
  const config: DemoConfig = {
    cacheDir: cacheDir ?? DEFAULT_DEMO.cacheDir,
    runsDir: runsDir ?? DEFAULT_DEMO.runsDir,
    perClass: perClass ?? DEFAULT_DEMO.perClass,
    valFraction: valFraction ?? DEFAULT_DEMO.valFraction,
    size: size ?? DEFAULT_DEMO.size,
    train: train as ExplicitFlags & { backend: typeof backend },
  };
  const crop = config.train.crop ?? RECIPES[config.train.recipe ?? 'demo'].crop;
  if (crop > config.size) throw new UsageError(`--crop ${crop} is larger than --size ${config.size}`);
  return config;
}
