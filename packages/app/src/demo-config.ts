import type { InitScheme } from '@alexnet/train';
import type { EngineChoice } from '@alexnet/backend';

/** The built-in end-to-end run (`npm start`, `alexnet demo`): sizes chosen to finish in minutes on 2 CPU cores. */
export interface DemoConfig {
  /** Where the synthetic images and their prepared form are cached. */
  cacheDir: string;
  /** Where the run folder is created. */
  runsDir: string;
  /** Images per class of the synthetic shapes dataset. */
  perClass: number;
  /** Fraction held out for evaluation. */
  valFraction: number;
  /** Stored image side (shorter side resized, center crop) and training crop. */
  size: number;
  crop: number;
  /** AlexNet width multiplier. */
  width: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** From this epoch on the learning rate is divided by 10 (the paper's ÷10, once). */
  lrDropEpoch: number;
  momentum: number;
  /** Weight initialisation (@alexnet/train's schemes). Glorot: 91.3 % here where He gave 86.5 % (seed 1). */
  init: InitScheme;
  /** σ of PCA lighting (§4.1), or false for none. */
  lighting: number | false;
  seed: number;
  /** Tensor engine: auto, node-gpu, node, wasm or cpu. */
  backend: EngineChoice;
}

export const DEFAULT_DEMO: DemoConfig = {
  cacheDir: '.cache/alexnet',
  runsDir: 'runs',
  perClass: 400,
  valFraction: 0.1,
  size: 128,
  crop: 112,
  width: 0.25,
  epochs: 9,
  batchSize: 32,
  learningRate: 0.01,
  lrDropEpoch: 8,
  momentum: 0.9,
  init: 'glorot',
  lighting: 0.1,
  seed: 1,
  backend: 'auto',
};
