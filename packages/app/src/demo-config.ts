import type { ExplicitFlags, TrainConfig } from './train-flags.js';

/**
 * The built-in end-to-end run (`npm start`, `alexnet demo`): the shapes dataset
 * generated and prepared, then `alexnet train --recipe demo` on it. Sizes chosen
 * to finish in minutes on 2 CPU cores.
 */
export interface DemoConfig {
  /** Where the synthetic images and their prepared form are cached. */
  cacheDir: string;
  /** Where the run folder (demo-<time>) is created. */
  runsDir: string;
  /** Images per class of the synthetic shapes dataset. */
  perClass: number;
  /** Fraction held out for evaluation. */
  valFraction: number;
  /** Stored image side (shorter side resized, center crop). */
  size: number;
  /** Train flags over the demo recipe (and the engine, threads and seed). */
  train: ExplicitFlags & Pick<TrainConfig, 'backend'>;
}

export const DEFAULT_DEMO: DemoConfig = {
  cacheDir: '.cache/alexnet',
  runsDir: 'runs',
  perClass: 400,
  valFraction: 0.1,
  size: 128,
  train: { backend: 'auto' },
};
