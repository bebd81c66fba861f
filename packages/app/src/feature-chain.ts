import { defaultConv1Padding, featureSizes, paddedFeatureSizes, scaledWidth, type Conv1Padding, type FeatureSizes, type PoolMode } from './alexnet-config.js';

/** What fixes the feature-map sizes of one of the two builders. */
export interface FeatureChainConfig {
  arch: 'alexnet' | 'alexnet-owt';
  inputSize: number;
  /** Default 'overlapping'. */
  pool?: PoolMode;
  /**
   * alexnet's (default as alexNet's: 'paper' at 224, else 'valid'). Ignored for alexnet-owt, which
   * pads conv1 by 2 as torchvision does (alexNetOwt itself refuses the setting; this only describes).
   */
  conv1Padding?: Conv1Padding;
  /** Width multiplier, for fc6Inputs. Default 1. */
  width?: number;
  /** alexnet's columns, for the rounding of conv5's width in fc6Inputs. Default 2 for alexnet; alexnet-owt has 1. */
  columns?: 1 | 2;
}

export interface FeatureChain extends FeatureSizes {
  /** Inputs of fc6: pool5 × pool5 × conv5's channels (9,216 in the paper at width 1). */
  fc6Inputs: number;
  /** Whether the feature maps are the paper's 55 → 27 → 13 → 6 (§3.5). */
  matchesPaper: boolean;
  /** When they are not: one line saying what they are instead and how to get the paper's. */
  note?: string;
}

/** The paper's feature-map sides after conv1, pool1, pool2 and pool5. */
export const PAPER_CHAIN: Readonly<FeatureSizes> = { conv1: 55, pool1: 27, pool2: 13, pool5: 6 };
const CONV5 = 256;
/** torchvision pads conv1's input by 2 on every side (OWT_CONV in alexnet-owt.ts; the tests build both to check they agree). */
const OWT_CONV1_PAD = 4;

/**
 * The feature-map sizes a builder makes from a configuration, fc6's input count,
 * and whether they are the paper's 55-27-13-6; an input too small for pool5 is an
 * error (the builders' own). `note` is meant to be shown as it is, e.g.
 * "input 224 with valid conv1 padding gives conv1 54×54 and pool5 5×5 (fc6 reads
 * 6,400 inputs per 256 channels instead of 9,216); the paper's 55-27-13-6 needs
 * 227, or 224 with --conv1-padding paper".
 */
export function featureChain(config: FeatureChainConfig): FeatureChain {
  const { arch, inputSize } = config;
  const pool = config.pool ?? 'overlapping';
  let sizes: FeatureSizes;
  let setup: string;
  if (arch === 'alexnet') {
    const padding = config.conv1Padding ?? defaultConv1Padding(inputSize);
    sizes = featureSizes(inputSize, { pool, conv1Padding: padding });
    setup = `input ${inputSize} with ${padding === 'valid' ? 'valid' : 'paper (1 before, 2 after)'} conv1 padding`;
  } else if (arch === 'alexnet-owt') {
    sizes = paddedFeatureSizes(inputSize, OWT_CONV1_PAD, pool);
    setup = `input ${inputSize} with torchvision's conv1 padding of 2`;
  } else {
    throw new Error(`arch must be 'alexnet' or 'alexnet-owt', got ${JSON.stringify(arch)}`);
  }
  const columns = arch === 'alexnet' ? (config.columns ?? 2) : 1;
  const fc6Inputs = sizes.pool5 * sizes.pool5 * scaledWidth(CONV5, config.width ?? 1, columns);
  const matchesPaper = (Object.keys(PAPER_CHAIN) as Array<keyof FeatureSizes>).every((k) => sizes[k] === PAPER_CHAIN[k]);
  if (matchesPaper) return { ...sizes, fc6Inputs, matchesPaper };
  const perColumnSet = (sizes.pool5 * sizes.pool5 * CONV5).toLocaleString('en-US');
  const fc6 =
    sizes.pool5 === PAPER_CHAIN.pool5 ? 'fc6 still reads 9,216 inputs per 256 channels' : `fc6 reads ${perColumnSet} inputs per 256 channels instead of 9,216`;
  const pooling = pool === 'non-overlapping' ? ' and 2×2 non-overlapping pooling' : '';
  const fix = arch === 'alexnet' ? "the paper's 55-27-13-6 needs 227, or 224 with --conv1-padding paper" : "alexnet-owt gives the paper's 55-27-13-6 at 224";
  const note = `${setup}${pooling} gives conv1 ${sizes.conv1}×${sizes.conv1} and pool5 ${sizes.pool5}×${sizes.pool5} (${fc6}); ${fix}`;
  return { ...sizes, fc6Inputs, matchesPaper, note };
}
