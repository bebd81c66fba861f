import type { InitScheme } from '@alexnet/train';

/**
 * Local response normalization after conv1 and conv2 (§3.3):
 * 'paper': b = a / (k + α Σ a²)^β, the formula as printed (α multiplies the plain sum);
 * 'alpha-over-n': α / n instead of α, as cuda-convnet2 (the authors' code), Caffe and
 * torch.nn.LocalResponseNorm compute it; 'off': no LRN (the paper's ablation: +1.4% top-1, +1.2% top-5 error).
 */
export const LRN_MODES = ['paper', 'alpha-over-n', 'off'] as const;
export type LrnMode = (typeof LRN_MODES)[number];
/** Max pooling after conv1, conv2 and conv5 (§3.4): 'overlapping' 3×3 stride 2 (the paper's), 'non-overlapping' 2×2 stride 2 (its comparison, +0.4% top-1). */
export const POOL_MODES = ['overlapping', 'non-overlapping'] as const;
export type PoolMode = (typeof POOL_MODES)[number];
/**
 * conv1's input padding: 'valid' none (Caffe's 227 gives 55×55); 'paper' zero-pads 1 row/column
 * before and 2 after ({@link CONV1_PAPER_PADDING}), so the paper's 224 gives its 55×55.
 */
export const CONV1_PADDINGS = ['valid', 'paper'] as const;
export type Conv1Padding = (typeof CONV1_PADDINGS)[number];
/** [[top, bottom], [left, right]] zeros before conv1 with conv1Padding 'paper': 224 + 3 = 227. */
export const CONV1_PAPER_PADDING: readonly [readonly [number, number], readonly [number, number]] = [
  [1, 2],
  [1, 2],
];

/** What shapes an AlexNet; defaults are the paper's (§3.5). */
export interface AlexNetConfig {
  /** Output classes. Default 1000. */
  classes: number;
  /** Square input side in pixels. Default 227 (224 in the paper's text; 227 makes its 55×55 arithmetic hold). */
  inputSize: number;
  /** Multiplies every layer's width (96-256-384-384-256 conv, 4096 FC). Default 1. */
  width: number;
  /** Dropout rate on FC6 and FC7. Default 0.5. */
  dropout: number;
  /**
   * 2: the paper's two GPU columns — conv2, conv4 and conv5 see only their own
   * column's channels (grouped convolution, 60,965,224 parameters at 227 with
   * 1000 classes); 1: one column with the same widths (62,378,344).
   */
  columns: 1 | 2;
  /**
   * Local response normalization after conv1 and conv2 (§3.3), see {@link LrnMode}. Default 'paper'.
   * `true` and `false` (the older boolean setting) mean 'paper' and 'off'.
   */
  lrn: LrnMode | boolean;
  /** Max pooling after conv1, conv2 and conv5 (§3.4), see {@link PoolMode}. Default 'overlapping'. */
  pool: PoolMode;
  /**
   * conv1's input padding, see {@link Conv1Padding}. Default (left out or undefined): 'paper'
   * when inputSize is 224, so that the paper's 224 gives its 55-27-13-6 feature maps, else
   * 'valid' (227 gives 55 as it is; other sizes keep the layout they always had).
   */
  conv1Padding?: Conv1Padding;
  /**
   * Weight initialisation (@alexnet/train's schemes): 'paper' N(0, 0.01²) with biases of 1 in
   * conv2/4/5 and FC6/7; 'caffe' (bias 0.1, FC6/7 std 0.005); 'he' (better for small, short
   * runs); 'glorot'.
   */
  init: InitScheme;
  /** Seed for the initial weights. */
  seed: number;
}

export const PAPER_ALEXNET: AlexNetConfig = {
  classes: 1000,
  inputSize: 227,
  width: 1,
  dropout: 0.5,
  columns: 2,
  lrn: 'paper',
  pool: 'overlapping',
  init: 'paper',
  seed: 1,
};

/** Convolution widths, kernel sizes and strides of §3.5; `perColumn` layers read only their own column (§3.2). */
export const CONV_LAYERS = [
  { name: 'conv1', filters: 96, kernel: 11, stride: 4, padding: 'valid', perColumn: false },
  { name: 'conv2', filters: 256, kernel: 5, stride: 1, padding: 'same', perColumn: true },
  { name: 'conv3', filters: 384, kernel: 3, stride: 1, padding: 'same', perColumn: false },
  { name: 'conv4', filters: 384, kernel: 3, stride: 1, padding: 'same', perColumn: true },
  { name: 'conv5', filters: 256, kernel: 3, stride: 1, padding: 'same', perColumn: true },
] as const;
export const FC_WIDTH = 4096;

/** A layer's width times the multiplier, rounded to a whole number of units per column; a layer left empty is an error. */
export function scaledWidth(base: number, width: number, columns = 1): number {
  const perColumn = Math.round((base * width) / columns);
  if (perColumn < 1) {
    throw new Error(`width ${width} leaves a layer of ${base} units empty (${base} × ${width}${columns > 1 ? ` / ${columns} columns` : ''} rounds to 0)`);
  }
  return columns * perColumn;
}

/** An AlexNetConfig with every choice made: `lrn` as a mode, `conv1Padding` resolved from the input size. */
export interface ResolvedAlexNetConfig extends Omit<AlexNetConfig, 'lrn' | 'conv1Padding'> {
  lrn: LrnMode;
  conv1Padding: Conv1Padding;
}

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** The LRN mode a setting means: true → 'paper', false → 'off'; anything else not in {@link LRN_MODES} is an error. */
export function lrnMode(lrn: LrnMode | boolean): LrnMode {
  if (lrn === true) return 'paper';
  if (lrn === false) return 'off';
  if (!(LRN_MODES as readonly unknown[]).includes(lrn))
    throw new Error(`lrn must be one of ${quoted(LRN_MODES)} (or true / false), got ${JSON.stringify(lrn)}`);
  return lrn;
}

/** conv1Padding's default for an input size: 'paper' at 224 (→ 55×55), 'valid' otherwise. */
export function defaultConv1Padding(inputSize: number): Conv1Padding {
  return inputSize === 224 ? 'paper' : 'valid';
}

/**
 * The paper's defaults under `overrides`, checked, with `lrn` as a mode and `conv1Padding`
 * resolved. An override left undefined keeps the default.
 */
export function resolveAlexNetConfig(overrides: Partial<AlexNetConfig> = {}): ResolvedAlexNetConfig {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<AlexNetConfig>;
  const merged = { ...PAPER_ALEXNET, ...given };
  if (!Number.isInteger(merged.classes) || merged.classes < 2) throw new Error(`classes must be an integer >= 2, got ${merged.classes}`);
  if (!(merged.width > 0)) throw new Error(`width must be > 0, got ${merged.width}`);
  if (merged.columns !== 1 && merged.columns !== 2) throw new Error(`columns must be 1 or 2, got ${String(merged.columns)}`);
  if (!(POOL_MODES as readonly unknown[]).includes(merged.pool))
    throw new Error(`pool must be one of ${quoted(POOL_MODES)}, got ${JSON.stringify(merged.pool)}`);
  const conv1Padding = merged.conv1Padding ?? defaultConv1Padding(merged.inputSize);
  if (!(CONV1_PADDINGS as readonly unknown[]).includes(conv1Padding))
    throw new Error(`conv1Padding must be one of ${quoted(CONV1_PADDINGS)}, got ${JSON.stringify(conv1Padding)}`);
  return { ...merged, lrn: lrnMode(merged.lrn), conv1Padding };
}

/** Spatial side of the feature maps after conv1 and after each max pooling. */
export interface FeatureSizes {
  conv1: number;
  pool1: number;
  pool2: number;
  pool5: number;
}

/** Window and stride of each pooling mode. */
export const POOL_WINDOWS: Record<PoolMode, { size: number; stride: number }> = {
  overlapping: { size: 3, stride: 2 },
  'non-overlapping': { size: 2, stride: 2 },
};

/** The sizes for conv1 11/4 over the input plus `conv1Pad` zeros (both sides together), then pool–conv2–pool–conv3..5–pool (conv2..5 keep the size); no checks. */
function chain(inputSize: number, conv1Pad: number, pool: PoolMode): FeatureSizes {
  const { size, stride } = POOL_WINDOWS[pool];
  const pooled = (n: number) => Math.floor((n - size) / stride) + 1;
  const conv1 = Math.floor((inputSize + conv1Pad - 11) / 4) + 1;
  const pool1 = pooled(conv1);
  const pool2 = pooled(pool1);
  return { conv1, pool1, pool2, pool5: pooled(pool2) };
}

/**
 * Feature-map sizes of an AlexNet-shaped stack whose conv1 input gets `conv1Pad` zero rows (and
 * columns) in all, or an error naming the smallest input that works. Both builders use it:
 * alexNet pads 0 ('valid') or 3 ('paper'), torchvision's alexnet-owt 4 (2 on each side).
 */
export function paddedFeatureSizes(inputSize: number, conv1Pad: number, pool: PoolMode): FeatureSizes {
  if (!Number.isInteger(inputSize) || inputSize < 1) throw new Error(`input size must be a positive integer, got ${inputSize}`);
  const sizes = chain(inputSize, conv1Pad, pool);
  if (inputSize + conv1Pad < 11 || sizes.pool5 < 1) {
    let least = Math.max(1, 11 - conv1Pad);
    while (chain(least, conv1Pad, pool).pool5 < 1) least++;
    throw new Error(`input size ${inputSize} is too small for AlexNet: need at least ${least} pixels so that pool5 is 1×1 or larger`);
  }
  return sizes;
}

/**
 * alexNet's spatial size after each stage for an input size and its pool and conv1Padding
 * settings (defaults as in alexNet: overlapping pools, conv1Padding by input size), or an
 * error naming the stage that vanishes.
 */
export function featureSizes(inputSize: number, options: { pool?: PoolMode; conv1Padding?: Conv1Padding } = {}): FeatureSizes {
  const padding = options.conv1Padding ?? defaultConv1Padding(inputSize);
  const [rows] = CONV1_PAPER_PADDING;
  return paddedFeatureSizes(inputSize, padding === 'paper' ? rows[0] + rows[1] : 0, options.pool ?? 'overlapping');
}

/** Seed of the n-th (1-based) seeded dropout layer's mask stream for a model seed. */
export function dropoutSeed(seed: number, stream: number): number {
  return seed * 7919 + stream * 104729;
}
