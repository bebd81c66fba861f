import { Option } from '@commander-js/extra-typings';
import type { EngineChoice } from '@alexnet/backend';
import { PLACEMENT_KINDS, TRANSPORT_KINDS, type PlacementKind, type TransportKind } from '@alexnet/parallel';
import { z } from 'zod';
import { INIT_SCHEMES, parseLrSchedule, type InitScheme } from '@alexnet/train';
import { CONV1_PADDINGS, FC_WIDTH, LRN_MODES, POOL_MODES, scaledWidth, type Conv1Padding, type LrnMode, type PoolMode } from './alexnet-config.js';
import { featureChain } from './feature-chain.js';
import { alexnetCommand, backendOption, dataOption, parseCommandLine, workersOption } from './command-line.js';
import { UsageError } from './exit-codes.js';
import { formatNumber, numberOrOff, numberValue } from './option-values.js';
import { ARCHS, type Arch } from './summary-command.js';

/** `alexnet train`'s configuration: plain data, the paper's values unless a recipe or a flag says otherwise. */
export interface TrainConfig {
  data: string;
  /** Run folder; default runs/<recipe>-<time>, or the resumed run's folder. */
  out?: string;
  resume?: string;
  /** Start from this checkpoint's weights (all but fc8 when the classes differ), taking its network settings. */
  initFrom?: string;
  /** With initFrom: the layers up to and including this one are not trained. */
  freeze?: string;
  /** Replace the run in `out` (its checkpoints, metrics and pictures) instead of refusing. */
  force: boolean;
  /** Also write TensorBoard event files here. */
  tensorboard?: string;
  recipe: RecipeName;
  arch: Arch;
  /** 2 = the paper's two columns (alexnet only). */
  columns: 1 | 2;
  width: number;
  crop: number;
  epochs: number;
  batchSize: number;
  /** Micro-batches per step: batchSize / accumulate images go through the network at once. */
  accumulate: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  rule: 'paper' | 'pytorch';
  lrSchedule: string;
  /** Epochs without improvement the plateau schedule tolerates before dividing ε by 10 (the paper: 1). */
  patience: number;
  init: InitScheme;
  /** Per-pixel mean image (the paper) or per-channel mean (torchvision). */
  mean: 'image' | 'channel';
  /** Multiplies pixels after the mean is subtracted (1 = the paper's raw 0–255 differences). */
  scale: number;
  /** σ of PCA lighting, or false. */
  lighting: number | false;
  /** Dropout rate of FC6 and FC7 (§4.2: 0.5). */
  dropout: number;
  /** §3.3's LRN: the formula as printed, with α divided by n (cuda-convnet2, Caffe, PyTorch), or none. */
  lrn: LrnMode;
  /** §3.4: 3×3 windows with stride 2 (the paper) or 2×2 with stride 2. */
  pool: PoolMode;
  /** How conv1 meets its input: 'paper' pads 224 to give the paper's 55×55 (the default at 224). */
  conv1Padding: Conv1Padding;
  seed: number;
  workers?: number;
  backend: EngineChoice;
  /** Training placed over several devices (@alexnet/parallel); absent: one device. */
  parallel?: { kind: PlacementKind; devices: number; transport?: TransportKind };
}

/** The settings a recipe fixes (every one a flag can override). */
type Recipe = Pick<
  TrainConfig,
  | 'arch'
  | 'columns'
  | 'width'
  | 'crop'
  | 'epochs'
  | 'batchSize'
  | 'lr'
  | 'momentum'
  | 'weightDecay'
  | 'rule'
  | 'lrSchedule'
  | 'init'
  | 'mean'
  | 'scale'
  | 'lighting'
  | 'dropout'
  | 'lrn'
  | 'pool'
>;

export const RECIPES = {
  /** §5 of the paper: batch 128, momentum 0.9, weight decay 5e-4 inside the velocity, lr 0.01 ÷10 on plateau (3×), ~90 epochs, N(0, 0.01²) init, 227 crops, PCA lighting. */
  paper: {
    arch: 'alexnet',
    columns: 2,
    width: 1,
    crop: 227,
    epochs: 90,
    batchSize: 128,
    lr: 0.01,
    momentum: 0.9,
    weightDecay: 5e-4,
    rule: 'paper',
    lrSchedule: 'plateau',
    init: 'paper',
    mean: 'image',
    scale: 1,
    lighting: 0.1,
    dropout: 0.5,
    lrn: 'paper',
    pool: 'overlapping',
  },
  /**
   * torchvision's references/classification for AlexNet: `--lr 1e-2` (its README), SGD momentum 0.9,
   * weight decay 1e-4 (PyTorch's rule), ÷10 every 30 epochs, 90 epochs, 224 crops, per-channel
   * Normalize (std ≈ 58 on 0–255), no lighting; batch 32 per GPU × 8 GPUs = 256. PyTorch's default
   * init (kaiming-uniform, a=√5) is not one of ours: He-normal is the nearest.
   */
  torchvision: {
    arch: 'alexnet-owt',
    columns: 1,
    width: 1,
    crop: 224,
    epochs: 90,
    batchSize: 256,
    lr: 0.01,
    momentum: 0.9,
    weightDecay: 1e-4,
    rule: 'pytorch',
    lrSchedule: 'step:30',
    init: 'he',
    mean: 'channel',
    scale: 1 / 58,
    lighting: false,
    dropout: 0.5,
    lrn: 'off',
    pool: 'overlapping',
  },
  /**
   * `npm start` / `alexnet demo` on the built-in shapes at 128 px: one column at a quarter of the
   * width, 112 crops, 9 epochs of batch 32, ε 0.01 ÷10 for the last two, PyTorch's rule without
   * weight decay, Glorot init (91.3 % here where He gave 86.5 %), pixels minus the mean image ÷ 64
   * (about unit variance), PCA lighting. Sized to finish in minutes on 2 CPU cores.
   */
  demo: {
    arch: 'alexnet',
    columns: 1,
    width: 0.25,
    crop: 112,
    epochs: 9,
    batchSize: 32,
    lr: 0.01,
    momentum: 0.9,
    weightDecay: 0,
    rule: 'pytorch',
    lrSchedule: 'step:7',
    init: 'glorot',
    mean: 'image',
    scale: 1 / 64,
    lighting: 0.1,
    dropout: 0.5,
    lrn: 'paper',
    pool: 'overlapping',
  },
} as const satisfies Record<string, Recipe>;
export type RecipeName = keyof typeof RECIPES;
const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];

/** "[paper 0.01, torchvision 1e-4]": each recipe's value of a setting, for the help. */
function recipeDefaults(key: keyof Recipe): string {
  const show = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : v === false ? 'off' : String(v));
  const values = RECIPE_NAMES.map((r) => show(RECIPES[r][key]));
  return values.every((v) => v === values[0]) ? `[${values[0]}]` : `[${RECIPE_NAMES.map((r, i) => `${r}: ${values[i]}`).join(', ')}]`;
}

/** The flags of `alexnet train` (and of `alexnet demo`, which trains the same way): each declared once, here. */
export function commandWithTrainOptions(name: string, summary: string) {
  const d = recipeDefaults;
  return alexnetCommand(name, summary)
    .optionsGroup('Training settings (a recipe, and flags over it):')
    .addOption(new Option('--recipe <name>', 'a set of defaults; the flags below override it [paper]').choices(RECIPE_NAMES))
    .addOption(new Option('--arch <name>', `alexnet: the paper's network; alexnet-owt: torchvision's ${d('arch')}`).choices(ARCHS))
    .addOption(new Option('--columns <n>', `2: the paper's two GPU columns (alexnet only) ${d('columns')}`).choices(['1', '2'] as const))
    .addOption(new Option('--width <x>', `multiplies every layer's width ${d('width')}`).argParser(numberValue({ above: 0 })))
    .addOption(new Option('--crop <px>', `training crop side ${d('crop')}`).argParser(numberValue({ integer: true, min: 1 })))
    .addOption(new Option('--epochs <n>', `train until this many epochs are done ${d('epochs')}`).argParser(numberValue({ integer: true, min: 1 })))
    .addOption(new Option('-b, --batch-size <n>', `images per SGD step ${d('batchSize')}`).argParser(numberValue({ integer: true, min: 1 })))
    .addOption(
      new Option('--accumulate <n>', 'split each batch into n forward passes, gradients averaged [1]').argParser(numberValue({ integer: true, min: 1 })),
    )
    .addOption(new Option('--lr <x>', `initial learning rate ε ${d('lr')}`).argParser(numberValue({ above: 0 })))
    .addOption(new Option('--momentum <x>', `${d('momentum')}`).argParser(numberValue({ min: 0, below: 1 })))
    .addOption(new Option('--wd, --weight-decay <x>', `${d('weightDecay')}`).argParser(numberValue({ min: 0 })))
    .addOption(
      new Option('--rule <name>', `paper: decay and ε inside the velocity (§5); pytorch: torch.optim.SGD's ${d('rule')}`).choices([
        'paper',
        'pytorch',
      ] as const),
    )
    .addOption(new Option('--lr-schedule <s>', `plateau (÷10 when validation error stops improving), step:K (÷10 every K epochs) or cosine ${d('lrSchedule')}`))
    .addOption(
      new Option('--patience <n>', 'epochs without improvement before the plateau schedule divides ε by 10 [1]').argParser(
        numberValue({ integer: true, min: 0 }),
      ),
    )
    .addOption(new Option('--init <scheme>', `weight initialisation ${d('init')}`).choices(INIT_SCHEMES))
    .addOption(new Option('--mean <kind>', `subtract the per-pixel mean image or the per-channel mean ${d('mean')}`).choices(['image', 'channel'] as const))
    .addOption(new Option('--scale <x>', `multiplies pixels after the mean is subtracted ${d('scale')}`).argParser(numberValue({ above: 0 })))
    .addOption(new Option('--lighting <sigma>', `σ of PCA lighting (§4.1), or off ${d('lighting')}`).argParser(numberOrOff({ min: 0 })))
    .addOption(new Option('--dropout <rate>', `dropout rate of fc6 and fc7 (§4.2) ${d('dropout')}`).argParser(numberValue({ min: 0, below: 1 })))
    .addOption(
      new Option('--lrn <mode>', `local response normalization (§3.3): paper (α as printed), alpha-over-n (Caffe, PyTorch) or off ${d('lrn')}`).choices(
        LRN_MODES,
      ),
    )
    .addOption(new Option('--pool <kind>', `max pooling (§3.4): overlapping 3×3/2 or non-overlapping 2×2/2 ${d('pool')}`).choices(POOL_MODES))
    .addOption(new Option('--conv1-padding <kind>', "valid, or paper: 224 padded to give the paper's 55×55 [paper at 224, else valid]").choices(CONV1_PADDINGS))
    .addOption(new Option('--seed <n>', 'initial weights, shuffling, augmentation and dropout masks [1]').argParser(numberValue({ integer: true })));
}

/** `alexnet train`'s definition: its flags, their help and their checks (no action: cli.ts adds it). */
export function defineTrainCommand() {
  return commandWithTrainOptions('train', "the paper's training procedure on a prepared dataset, with checkpoints and --resume")
    .optionsGroup('Data, run folder and resources:')
    .addOption(dataOption().makeOptionMandatory())
    .option('--out <dir>', 'run folder; refused if it holds a run, unless --resume or --force [runs/<recipe>-<time>]')
    .option('--resume <checkpoint>', 'continue a run from its checkpoint folder (e.g. runs/x/checkpoints/last)')
    .option('--init-from <checkpoint>', "start from another model's weights (e.g. one `alexnet import` made); fc8 starts afresh when the classes differ")
    .option('--freeze <layer>', 'with --init-from: conv1 … up to this layer (e.g. conv5, fc6) keep their weights')
    .option('--force', 'replace the run in --out (its checkpoints, metrics and pictures)', false)
    .option('--tensorboard <dir>', "also write TensorBoard event files there (tfjs-node's writer on the native engine, the same format from ours elsewhere)")
    .addOption(workersOption('threads preparing batches [cores − 1]'))
    .addOption(backendOption())
    .addOption(
      new Option('--parallel <placement>', "over several devices: columns (§3.2's two columns), data (replicas) or hybrid (one weird trick) [none]").choices([
        'none',
        ...PLACEMENT_KINDS,
      ] as const),
    )
    .addOption(new Option('--devices <n>', 'devices (engines) for --parallel [2]').argParser(numberValue({ integer: true, min: 2, max: 64 })))
    .addOption(
      new Option('--transport <kind>', 'how the devices talk: threads (wasm, cpu) or processes (native engine, one GPU each) [by engine]').choices(
        TRANSPORT_KINDS,
      ),
    )
    .addHelpText(
      'after',
      `
Writes <out>/config.json, metrics.jsonl and metrics.csv (train loss and top-1 error, validation loss,
top-1 and top-5 error per epoch), curves.png after every epoch, checkpoints/last and checkpoints/best,
and model/ at the end. Ctrl-C (or SIGTERM) saves checkpoints/last after the current step and stops.`,
    );
}

/**
 * A checkpoint's saved settings, checked exactly as the flags they came from:
 * a state.json from someone else cannot smuggle in a value no flag accepts,
 * and every run the flags started can be resumed. Settings added later get the
 * value older checkpoints were trained with.
 */
export const SAVED_TRAIN_CONFIG = z
  .object({
    recipe: z.enum(RECIPE_NAMES as [RecipeName, ...RecipeName[]]),
    arch: z.enum(ARCHS),
    columns: z.union([z.literal(1), z.literal(2)]),
    width: z.number().positive(),
    crop: z.number().int().min(1),
    batchSize: z.number().int().min(1),
    accumulate: z.number().int().min(1),
    lr: z.number().positive(),
    momentum: z.number().min(0).lt(1),
    weightDecay: z.number().min(0),
    rule: z.enum(['paper', 'pytorch']),
    lrSchedule: z.string().max(64),
    patience: z.number().int().min(0).default(1),
    init: z.enum(INIT_SCHEMES as unknown as [InitScheme, ...InitScheme[]]),
    mean: z.enum(['image', 'channel']),
    scale: z.number().positive(),
    lighting: z.union([z.literal(false), z.number().min(0)]),
    dropout: z.number().min(0).lt(1).default(0.5),
    lrn: z.enum(LRN_MODES).optional(),
    pool: z.enum(POOL_MODES).default('overlapping'),
    conv1Padding: z.enum(CONV1_PADDINGS).default('valid'),
    seed: z.number().int(),
    epochs: z.number().int().min(1),
    data: z.string().max(4096).optional(),
  })
  .refine((c) => c.batchSize % c.accumulate === 0, { message: 'accumulate must divide batchSize', path: ['accumulate'] })
  // Before --lrn, alexnet always had the paper's LRN and alexnet-owt none.
  .transform((c) => ({ ...c, lrn: c.lrn ?? (c.arch === 'alexnet' ? 'paper' : 'off') }) as typeof c & { lrn: LrnMode });
export type SavedTrainConfig = z.infer<typeof SAVED_TRAIN_CONFIG>;

/** The flags a user gave (by config key), so a resumed run can check them against its checkpoint. */
export type ExplicitFlags = Partial<TrainConfig>;

type TrainValues = ReturnType<ReturnType<typeof defineTrainCommand>['opts']>;

/** The recipe's settings with the given flags over them, and the checks that need more than one flag. */
export function trainConfigFrom(values: Omit<TrainValues, 'data'> & { data: string }): { config: TrainConfig; explicit: ExplicitFlags } {
  const recipe = values.recipe ?? 'paper';
  const given: ExplicitFlags = {
    ...(values.recipe !== undefined ? { recipe } : {}),
    arch: values.arch,
    columns: values.columns === undefined ? undefined : (Number(values.columns) as 1 | 2),
    width: values.width,
    crop: values.crop,
    epochs: values.epochs,
    batchSize: values.batchSize,
    accumulate: values.accumulate,
    lr: values.lr,
    momentum: values.momentum,
    weightDecay: values.weightDecay,
    rule: values.rule,
    lrSchedule: values.lrSchedule,
    patience: values.patience,
    init: values.init,
    mean: values.mean,
    scale: values.scale,
    lighting: values.lighting,
    dropout: values.dropout,
    lrn: values.lrn,
    pool: values.pool,
    conv1Padding: values.conv1Padding,
    seed: values.seed,
    workers: values.workers,
  };
  const explicit = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as ExplicitFlags;
  const base = RECIPES[recipe];
  const config: TrainConfig = {
    accumulate: 1,
    seed: 1,
    patience: 1,
    ...base,
    conv1Padding: (explicit.crop ?? base.crop) === 224 ? 'paper' : 'valid',
    ...explicit,
    data: values.data,
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.resume !== undefined ? { resume: values.resume } : {}),
    ...(values.tensorboard !== undefined ? { tensorboard: values.tensorboard } : {}),
    ...(values.initFrom !== undefined ? { initFrom: values.initFrom } : {}),
    ...(values.freeze !== undefined ? { freeze: values.freeze } : {}),
    force: values.force === true,
    recipe,
    backend: values.backend,
    ...placementFrom(values),
  };
  if (config.arch === 'alexnet-owt') {
    if (explicit.columns === 2) throw new UsageError('--columns 2: alexnet-owt has one column');
    if (explicit.lrn !== undefined && explicit.lrn !== 'off') throw new UsageError(`--lrn ${explicit.lrn}: alexnet-owt (torchvision) has no LRN layers`);
    if (explicit.conv1Padding === 'paper') throw new UsageError('--conv1-padding paper: alexnet-owt pads conv1 by 2 as torchvision does (55×55 at 224)');
    config.columns = 1;
    config.lrn = 'off';
    config.conv1Padding = 'valid';
  }
  if (config.batchSize % config.accumulate !== 0) {
    throw new UsageError(`--accumulate ${config.accumulate} must divide --batch-size ${config.batchSize}`);
  }
  if (config.force && config.out === undefined && config.resume === undefined) throw new UsageError('--force replaces the run in --out: give --out <dir>');
  if (explicit.patience !== undefined && config.lrSchedule !== 'plateau') {
    throw new UsageError(`--patience applies to --lr-schedule plateau, not ${config.lrSchedule}`);
  }
  if (config.initFrom !== undefined && config.resume !== undefined)
    throw new UsageError('--init-from starts a new run from those weights; --resume continues a run: give one of them');
  if (config.freeze !== undefined && config.initFrom === undefined)
    throw new UsageError('--freeze keeps the weights --init-from brings: give --init-from <checkpoint>');
  if (config.freeze !== undefined && config.parallel)
    throw new UsageError('--freeze is not supported with --parallel yet: train the unfrozen layers on one device');
  checkShape(config);
  checkPlacement(config);
  return { config, explicit };
}

function placementFrom(values: Pick<TrainValues, 'parallel' | 'devices' | 'transport'>): Pick<TrainConfig, 'parallel'> {
  if (values.parallel === undefined || values.parallel === 'none') {
    if (values.devices !== undefined) throw new UsageError(`--devices ${values.devices} needs --parallel data, columns or hybrid`);
    if (values.transport !== undefined) throw new UsageError(`--transport ${values.transport} needs --parallel data, columns or hybrid`);
    return {};
  }
  return { parallel: { kind: values.parallel, devices: values.devices ?? 2, ...(values.transport ? { transport: values.transport } : {}) } };
}

/** What a placement needs of the network and the batch (checked again on resume, with the checkpoint's settings). */
export function checkPlacement(config: TrainConfig): void {
  const p = config.parallel;
  if (!p) return;
  const micro = config.batchSize / config.accumulate;
  if (p.kind !== 'data') {
    const what = p.kind === 'columns' ? 'the column split' : 'the hybrid';
    if (config.arch !== 'alexnet' || config.columns !== 2) {
      throw new UsageError(`--parallel ${p.kind}: ${what} places the two-column network; use --arch alexnet --columns 2 (or --parallel data)`);
    }
    if (p.devices !== 2) throw new UsageError(`--parallel ${p.kind} --devices ${p.devices}: ${what} runs on 2 devices, one per column`);
  }
  if (p.kind !== 'columns' && micro % p.devices !== 0) {
    throw new UsageError(
      `--parallel ${p.kind} --devices ${p.devices}: the ${micro} images of each forward pass (--batch-size / --accumulate) do not split evenly over ${p.devices} devices`,
    );
  }
}

/** What only the network or the schedule would find out later: a usage error now, before any work. */
export function checkShape(config: TrainConfig): void {
  try {
    parseLrSchedule(config.lrSchedule, { initial: config.lr, epochs: config.epochs, stepsPerEpoch: 1, patience: config.patience });
    featureChain({ arch: config.arch, inputSize: config.crop, pool: config.pool, conv1Padding: config.conv1Padding });
    const columns = config.arch === 'alexnet' ? config.columns : 1;
    for (const base of [96, 256, 384, FC_WIDTH]) scaledWidth(base, config.width, columns);
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(message.startsWith('--') ? message : `--crop ${config.crop} / --width ${formatNumber(config.width)}: ${message}`);
  }
}

/** `alexnet train`'s flags as a configuration; a usage error throws UsageError. */
export function parseTrainFlags(args: string[], env: NodeJS.ProcessEnv = process.env): { config: TrainConfig; explicit: ExplicitFlags } {
  const values = parseCommandLine(defineTrainCommand(), args, env).opts();
  return trainConfigFrom(values);
}
