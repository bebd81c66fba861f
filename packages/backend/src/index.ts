import './register.js';

export { initBackend, type InitBackendOptions, type BackendReport } from './init-backend.js';
export { ENGINES, ENGINE_PACKAGES, parseEngineChoice, type EngineName, type EngineChoice } from './engines.js';
export type { EngineAttempt, EngineStatus } from './load-engine.js';
export { registerWasmTrainingKernels, wasmTrainingKernels } from './wasm/register-wasm-kernels.js';
