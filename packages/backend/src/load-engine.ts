import * as tf from '@tensorflow/tfjs';
import { ENGINE_PACKAGES, type EngineName } from './engines.js';
import { registerWasmTrainingKernels } from './wasm/register-wasm-kernels.js';

/** Why an engine was or was not used. */
export type EngineStatus = 'used' | 'not installed' | 'failed to load' | 'no GPU';

export interface EngineAttempt {
  engine: EngineName;
  status: EngineStatus;
  detail: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** True only when the engine package itself is missing, not something it imports. */
export function isMissingModule(error: unknown, pkg: string): boolean {
  const message = String((error as { message?: string })?.message ?? '');
  const name = escapeRegExp(pkg);
  // Node: "Cannot find package '<pkg>' imported from …" / "Cannot find module '<pkg>'";
  // Vite (tests): 'Failed to load url <pkg>' / 'Could not resolve "<pkg>"'.
  return new RegExp(`Cannot find (package|module) '${name}(/[^']*)?'|Could not resolve "${name}"|Failed to load url ${name}[\\s(]`).test(message);
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? '';
}

async function importEngine(pkg: string): Promise<EngineAttempt['status'] | { error: unknown }> {
  try {
    await import(pkg);
    return 'used';
  } catch (error) {
    return isMissingModule(error, pkg) ? 'not installed' : { error };
  }
}

/** Imports one engine's package and makes it tfjs's active backend. */
export async function loadEngine(engine: EngineName): Promise<EngineAttempt> {
  const { pkg, tfBackend } = ENGINE_PACKAGES[engine];
  if (engine !== 'cpu') {
    const imported = await importEngine(pkg);
    if (imported === 'not installed') {
      return { engine, status: 'not installed', detail: `${pkg} is not installed` };
    }
    if (typeof imported === 'object') {
      const hint = engine === 'wasm' ? '' : ` (its native TensorFlow library may be missing: run \`npm rebuild ${pkg}\` on a machine with network access)`;
      return { engine, status: 'failed to load', detail: `${pkg}: ${firstLine(imported.error)}${hint}` };
    }
  }
  if (engine === 'wasm') registerWasmTrainingKernels();
  try {
    const ok = await tf.setBackend(tfBackend);
    if (!ok) return { engine, status: 'failed to load', detail: `tfjs could not initialise the '${tfBackend}' backend` };
    await tf.ready();
  } catch (error) {
    return { engine, status: 'failed to load', detail: `${pkg}: ${firstLine(error)}` };
  }
  if (engine === 'node-gpu') {
    const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    if (backend.isUsingGpuDevice !== true) {
      return {
        engine,
        status: 'no GPU',
        detail: `${pkg} loaded but TensorFlow found no CUDA GPU (check the NVIDIA driver, CUDA 11.2 and cuDNN 8.1, and CUDA_VISIBLE_DEVICES)`,
      };
    }
  }
  return { engine, status: 'used', detail: await describeEngine(engine) };
}

export async function describeEngine(engine: EngineName): Promise<string> {
  switch (engine) {
    case 'node-gpu':
      return 'TensorFlow C library on an NVIDIA GPU (CUDA)';
    case 'node':
      return 'TensorFlow C library on the CPU';
    case 'wasm': {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return `WebAssembly with XNNPACK (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'})`;
    }
    case 'cpu':
      return 'plain JavaScript; slow, meant for tiny shapes';
  }
}
