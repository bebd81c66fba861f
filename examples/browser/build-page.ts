// Builds the page into one folder a static server can serve: index.html, classify.js (esbuild's
// bundle of page/classify.ts with tfjs and @alexnet/layers) and wasm/ (the wasm engine's binaries).
import { build, formatMessages } from 'esbuild';
import { execFile } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const require = createRequire(import.meta.url);

/** The folder `npm run example:browser` builds into (ignored by git). */
export const DEFAULT_OUT_DIR = join(HERE, 'dist');

/** The binaries setWasmPaths points at: plain, SIMD, and SIMD with threads (used only on a cross-origin-isolated page). */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * @alexnet/layers is bundled as it is published, from its dist/: its package.json's
 * `sideEffects` names dist/register.js, the module that registers the layer classes, so a
 * bundler keeps it (from src/ esbuild would drop it). tsc -b brings dist/ up to date (a no-op
 * when it is).
 */
async function buildLayersPackage(): Promise<void> {
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-b', join(ROOT, 'packages', 'layers')]).catch((error: { stdout?: string; message: string }) => {
    throw new Error(`building @alexnet/layers failed: ${error.stdout?.trim() || error.message}`);
  });
}

export async function buildPage(outDir: string = DEFAULT_OUT_DIR): Promise<void> {
  await buildLayersPackage();
  await mkdir(join(outDir, 'wasm'), { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, 'page', 'classify.ts')],
    outfile: join(outDir, 'classify.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'silent',
  });
  // A warning (such as an import dropped as free of side effects) is an error here.
  if (result.warnings.length > 0) throw new Error(`esbuild: ${(await formatMessages(result.warnings, { kind: 'warning', color: false })).join('\n')}`);
  await copyFile(join(HERE, 'page', 'index.html'), join(outDir, 'index.html'));
  // The package's main file sits in dist/, beside the binaries.
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  await Promise.all(WASM_FILES.map((name) => copyFile(join(wasmDir, name), join(outDir, 'wasm', name))));
}
