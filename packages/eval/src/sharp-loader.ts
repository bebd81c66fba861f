import type Sharp from 'sharp';

/** The `sharp` function (the package's default export). */
export type SharpModule = typeof Sharp;

/**
 * sharp is an optional peer dependency of @alexnet/eval: only the PNG pictures
 * (confusion heatmap, filter grid, contact sheet, training curves) need it, so
 * it is loaded on their first call and installing eval for its metrics or
 * views brings no native image library.
 */
let loading: Promise<SharpModule> | undefined;

export function loadSharp(): Promise<SharpModule> {
  loading ??= importSharp(() => import('sharp')).catch((error: unknown) => {
    loading = undefined; // installed later in a long-lived process: try again on the next call
    throw error;
  });
  return loading;
}

/** `load()`'s sharp; a sharp that is not installed is an error that says so (other failures pass through). */
export async function importSharp(load: () => Promise<{ default: SharpModule }>): Promise<SharpModule> {
  try {
    return (await load()).default;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /['"]sharp['"]/.test((error as Error).message)) {
      throw new Error('@alexnet/eval: PNG pictures need sharp (^0.34.5), an optional peer dependency that is not installed', { cause: error });
    }
    throw error;
  }
}
