/**
 * Side-effect module: imported by the package entry so that importing
 * @alexnet/backend registers the wasm training kernels whenever the wasm
 * engine is installed (it is an optional peer).
 */
import { registerWasmTrainingKernels } from './wasm/register-wasm-kernels.js';

try {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
}
