import './register.js';

export { initBackend, type InitBackendOptions, type BackendReport } from './init-backend.js';
export { ENGINES, ENGINE_PACKAGES, parseEngineChoice, type EngineName, type EngineChoice } from './engines.js';
export { loadEngine, nativeEngineDefaults, quietTensorFlowLogs, type EngineAttempt, type EngineStatus } from './load-engine.js';
export { engineStatus, type EnginesReport, type EngineStatusEntry } from './engine-status.js';
export { installNativeEngine, type InstallNativeEngineOptions, type NativeEngineInstall, type InstallProgress } from './native/install-native-engine.js';
export type { TensorFlowLibrary, TensorFlowVariant } from './native/tensorflow-library.js';
export { registerWasmTrainingKernels, wasmTrainingKernels } from './wasm/register-wasm-kernels.js';
export { registerTensorflowKernels } from './tensorflow/step-kernel.js';
