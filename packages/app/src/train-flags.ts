import { parseArgs } from 'node:util';
import { parseEngineChoice, type EngineChoice } from '@alexnet/backend';
import { z } from 'zod';
import { INIT_SCHEMES, type InitScheme } from '@alexnet/train';
import { choiceFlag, numberFlag } from './flag-values.js';
import { ARCHS, type Arch } from './summary-command.js';

/** `alexnet train`'s configuration: plain data, the paper's values unless a recipe or a flag says otherwise. */
export interface TrainConfig {
  data: string;
  /** Run folder; default runs/train-<time>, or the resumed run's folder. */
  out?: string;
  resume?: string;
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
  init: InitScheme;
  /** Per-pixel mean image (the paper) or per-channel mean (torchvision). */
  mean: 'image' | 'channel';
  /** Multiplies pixels after the mean is subtracted (1 = the paper's raw 0–255 differences). */
  scale: number;
  /** σ of PCA lighting, or false. */
  lighting: number | false;
  /** Dropout rate of FC6 and FC7 (§4.2: 0.5). */
  dropout: number;
  seed: number;
  workers?: number;
  backend: EngineChoice;
}

export const RECIPES = {
  /** §5 of the paper: batch 128, momentum 0.9, weight decay 5e-4 inside the velocity, lr 0.01 ÷10 on plateau (3×), ~90 epochs, N(0, 0.01²) init, 227 crops, PCA lighting. */
  paper: {
    arch: 'alexnet', columns: 2, crop: 227, epochs: 90, batchSize: 128, lr: 0.01, momentum: 0.9, weightDecay: 5e-4,
    rule: 'paper', lrSchedule: 'plateau', init: 'paper', mean: 'image', scale: 1, lighting: 0.1, dropout: 0.5,
  },
  /**
   * torchvision's references/classification for AlexNet: `--lr 1e-2` (its README), SGD momentum 0.9,
   * weight decay 1e-4 (PyTorch's rule), ÷10 every 30 epochs, 90 epochs, 224 crops, per-channel
   * Normalize (std ≈ 58 on 0–255), no lighting; batch 32 per GPU × 8 GPUs = 256. PyTorch's default
   * init (kaiming-uniform, a=√5) is not one of ours: He-normal is the nearest.
   */
  torchvision: {
    arch: 'alexnet-owt', columns: 1, crop: 224, epochs: 90, batchSize: 256, lr: 0.01, momentum: 0.9, weightDecay: 1e-4,
    rule: 'pytorch', lrSchedule: 'step:30', init: 'he', mean: 'channel', scale: 1 / 58, lighting: false, dropout: 0.5,
  },
} as const satisfies Record<string, Partial<TrainConfig>>;
export type RecipeName = keyof typeof RECIPES;

export const TRAIN_USAGE = `usage: alexnet train --data <prepared dir> [flags]       (defaults: the paper's, §5)
  --recipe paper|torchvision   a set of defaults [paper]; flags below override it
  --arch alexnet|alexnet-owt [alexnet]  --columns 1|2 [2]  --width W [1]  --crop C [227]
  --epochs E [90]  --batch-size B [128]  --accumulate N [1]  (B/N images per forward pass, gradients averaged)
  --lr X [0.01]  --momentum X [0.9]  --weight-decay X [5e-4]  --rule paper|pytorch [paper]
  --lr-schedule plateau|step:K|cosine [plateau]  --init paper|caffe|he|glorot [paper]
  --mean image|channel [image]  --scale X [1]  --lighting SIGMA|off [0.1]  --dropout RATE [0.5]
  --seed N [1]  --workers N [cores − 1]  --backend auto|node-gpu|node|wasm|cpu [auto]
  --out DIR [runs/train-<time>]   --resume <checkpoint dir>  (e.g. runs/x/checkpoints/last)
Writes <out>/config.json, metrics.jsonl, metrics.csv, checkpoints/last and checkpoints/best.
`;

export const TRAIN_OPTIONS = {
  data: { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' }, recipe: { type: 'string' },
  arch: { type: 'string' }, columns: { type: 'string' }, width: { type: 'string' }, crop: { type: 'string' },
  epochs: { type: 'string' }, 'batch-size': { type: 'string' }, accumulate: { type: 'string' },
  lr: { type: 'string' }, momentum: { type: 'string' }, 'weight-decay': { type: 'string' }, rule: { type: 'string' },
  'lr-schedule': { type: 'string' }, init: { type: 'string' }, mean: { type: 'string' }, scale: { type: 'string' },
  lighting: { type: 'string' }, dropout: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' }, backend: { type: 'string' },
} as const;

/**
 * A checkpoint's saved settings, checked exactly as the flags they came from
 * (parseTrainFlags): a state.json from someone else cannot smuggle in a value no
 * flag accepts, and every run the flags started can be resumed.
 */
export const SAVED_TRAIN_CONFIG = z
  .object({
    recipe: z.enum(Object.keys(RECIPES) as [RecipeName, ...RecipeName[]]),
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
    init: z.enum(INIT_SCHEMES as unknown as [InitScheme, ...InitScheme[]]),
    mean: z.enum(['image', 'channel']),
    scale: z.number().positive(),
    lighting: z.union([z.literal(false), z.number().min(0)]),
    // Checkpoints written before the flag existed trained with the paper's 0.5.
    dropout: z.number().min(0).lt(1).default(0.5),
    seed: z.number().int(),
    epochs: z.number().int().min(1),
    data: z.string().max(4096).optional(),
  })
  .refine((c) => c.batchSize % c.accumulate === 0, { message: 'accumulate must divide batchSize', path: ['accumulate'] });
export type SavedTrainConfig = z.infer<typeof SAVED_TRAIN_CONFIG>;

/** The flags a user gave (by config key), so a resumed run can check them against its checkpoint. */
export type ExplicitFlags = Partial<TrainConfig>;

export function parseTrainFlags(args: string[], env: Record<string, string | undefined> = process.env): { config: TrainConfig; explicit: ExplicitFlags } {
  const { values: v } = parseArgs({ args, strict: true, allowPositionals: false, options: TRAIN_OPTIONS });
  if (v.data === undefined) throw new Error(`train needs --data <prepared dir> (made by \`alexnet prepare\`)\n\n${TRAIN_USAGE}`);
  const recipe = choiceFlag('recipe', v.recipe, Object.keys(RECIPES) as RecipeName[]) ?? 'paper';
  const columns = numberFlag('columns', v.columns, { integer: true, min: 1 });
  if (columns !== undefined && columns !== 1 && columns !== 2) throw new Error(`--columns: expected 1 or 2, got '${v.columns}'`);
  const explicit: ExplicitFlags = {
    ...(v.recipe !== undefined ? { recipe } : {}),
    arch: choiceFlag('arch', v.arch, ARCHS),
    columns: columns as 1 | 2 | undefined,
    width: numberFlag('width', v.width, { above: 0 }),
    crop: numberFlag('crop', v.crop, { integer: true, min: 1 }),
    epochs: numberFlag('epochs', v.epochs, { integer: true, min: 1 }),
    batchSize: numberFlag('batch-size', v['batch-size'], { integer: true, min: 1 }),
    accumulate: numberFlag('accumulate', v.accumulate, { integer: true, min: 1 }),
    lr: numberFlag('lr', v.lr, { above: 0 }),
    momentum: numberFlag('momentum', v.momentum, { min: 0, below: 1 }),
    weightDecay: numberFlag('weight-decay', v['weight-decay'], { min: 0 }),
    rule: choiceFlag('rule', v.rule, ['paper', 'pytorch'] as const),
    lrSchedule: v['lr-schedule'],
    init: choiceFlag('init', v.init, INIT_SCHEMES),
    mean: choiceFlag('mean', v.mean, ['image', 'channel'] as const),
    scale: numberFlag('scale', v.scale, { above: 0 }),
    lighting: v.lighting === 'off' ? false : numberFlag('lighting', v.lighting, { min: 0 }),
    dropout: numberFlag('dropout', v.dropout, { min: 0, below: 1 }),
    seed: numberFlag('seed', v.seed, { integer: true }),
    workers: numberFlag('workers', v.workers, { integer: true, min: 0, below: 65 }),
  };
  for (const key of Object.keys(explicit) as Array<keyof ExplicitFlags>) if (explicit[key] === undefined) delete explicit[key];
  const backend = v.backend !== undefined ? parseEngineChoice(v.backend, '--backend') : env.ALEXNET_BACKEND ? parseEngineChoice(env.ALEXNET_BACKEND, 'ALEXNET_BACKEND') : 'auto';
  const config: TrainConfig = {
    width: 1,
    accumulate: 1,
    seed: 1,
    ...RECIPES[recipe],
    ...explicit,
    data: v.data,
    ...(v.out !== undefined ? { out: v.out } : {}),
    ...(v.resume !== undefined ? { resume: v.resume } : {}),
    recipe,
    backend,
  } as TrainConfig;
  if (config.arch === 'alexnet-owt' && config.columns === 2) {
    if (explicit.columns === 2) throw new Error('--columns 2: alexnet-owt has one column');
    config.columns = 1;
  }
  if (config.batchSize % config.accumulate !== 0) {
    throw new Error(`--accumulate ${config.accumulate} must divide --batch-size ${config.batchSize}`);
  }
  return { config, explicit };
}
