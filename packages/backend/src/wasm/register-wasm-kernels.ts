import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { explicitTransposeMatMul } from './batch-mat-mul.js';

const WASM = 'wasm';
let registered = false;

/** Names of the kernels this package registers (or wraps) on the wasm engine. */
export const wasmTrainingKernels = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul'] as const;

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, WASM) !== undefined) tf.unregisterKernel(config.kernelName, WASM);
  tf.registerKernel(config);
}

/**
 * Registers the wasm kernels that training needs and the stock engine lacks
 * or runs slowly. Idempotent. Must run after @tensorflow/tfjs-backend-wasm is
 * imported (its kernels are the building blocks) and before the wasm engine is
 * initialised (setup functions run at initialisation).
 */
export function registerWasmTrainingKernels(): boolean {
  if (registered) return true;
  const stockMatMul = tf.getKernel('BatchMatMul', WASM);
  if (stockMatMul === undefined) return false; // wasm engine not loaded
  replaceKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: WASM,
    kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
  });
  replaceKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: WASM,
    kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
  });
  const wrapped: tf.KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: WASM,
    kernelFunc: explicitTransposeMatMul(stockMatMul.kernelFunc as never) as unknown as tf.KernelFunc,
  };
  if (stockMatMul.setupFunc !== undefined) wrapped.setupFunc = stockMatMul.setupFunc;
  replaceKernel(wrapped);
  registered = true;
  return true;
}
