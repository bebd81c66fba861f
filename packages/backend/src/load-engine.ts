import * as tf from '@tensorflow/tfjs';
import { ENGINE_PACKAGES, type EngineName } from './engines.js';
import { registerTensorflowKernels } from './tensorflow/step-kernel.js';
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

/**
 * TensorFlow logs its start-up (CPU features, oneDNN) to stderr as it loads;
 * those lines stay out of the user's output unless they set
 * TF_CPP_MIN_LOG_LEVEL themselves or ask for them (`verbose`). Level 1 hides
 * INFO lines and keeps warnings and errors.
 */
export function quietTensorFlowLogs(verbose: boolean, env: NodeJS.ProcessEnv = process.env): void {
  if (!verbose && env.TF_CPP_MIN_LOG_LEVEL === undefined) env.TF_CPP_MIN_LOG_LEVEL = '1';
}

/**
 * TensorFlow settings this package chooses for the native engine, each only
 * when the user has not set it (TensorFlow reads them as it loads):
 * - TF_CPU_ALLOCATOR_USE_BFC=true: reuse freed host memory. With the default
 *   allocator every op's output for fc6 (151 MB) is fresh memory from the
 *   kernel, page faults included; the optimizer's six passes over it cost
 *   ~0.85 s of a 4.1 s AlexNet step at batch 32 (bench:train, 2-core AVX2 machine).
 * - TF_ENABLE_ONEDNN_OPTS=1 on x64: oneDNN convolutions. TensorFlow turns them
 *   on by itself only on CPUs with AVX-512 VNNI/BF16 or AMX; on an AVX2 EPYC
 *   they made the step 1.27× faster. TensorFlow then prints one line saying so
 *   while it loads, which TF_CPP_MIN_LOG_LEVEL does not reach.
 */
export function nativeEngineDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.TF_CPU_ALLOCATOR_USE_BFC ??= 'true';
  if (process.arch === 'x64') env.TF_ENABLE_ONEDNN_OPTS ??= '1';
}

/** One line for a native engine that is installed but does not load. */
function nativeLoadFailure(pkg: string, error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  const missing = /tfjs_binding\.node\) can not be found at path: (\S+?)\.?\s/.exec(message);
  if (missing) return `${pkg}: its native binding is not built (no ${missing[1]}); installNativeEngine() from @alexnet/backend builds it`;
  return `${pkg}: ${firstLine(error)} (installNativeEngine() from @alexnet/backend rebuilds its binding)`;
}

/** Imports one engine's package and makes it tfjs's active backend. */
export async function loadEngine(engine: EngineName, options: { verbose?: boolean } = {}): Promise<EngineAttempt> {
  const { pkg, tfBackend } = ENGINE_PACKAGES[engine];
  if (engine === 'node' || engine === 'node-gpu') {
    quietTensorFlowLogs(options.verbose ?? false);
    nativeEngineDefaults();
  }
  if (engine !== 'cpu') {
    const imported = await importEngine(pkg);
    if (imported === 'not installed') {
      return { engine, status: 'not installed', detail: `${pkg} is not installed` };
    }
    if (typeof imported === 'object') {
      const detail = engine === 'wasm' ? `${pkg}: ${firstLine(imported.error)}` : nativeLoadFailure(pkg, imported.error);
      return { engine, status: 'failed to load', detail };
    }
  }
  if (engine === 'wasm') registerWasmTrainingKernels();
  if (engine === 'node' || engine === 'node-gpu') registerTensorflowKernels();
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
        detail: `${pkg} loaded but TensorFlow found no CUDA GPU (check the NVIDIA driver, the CUDA and cuDNN versions its TensorFlow was built for, and CUDA_VISIBLE_DEVICES)`,
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
