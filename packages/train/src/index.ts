import './register.js';
export { saveModel, loadModel } from './model-files.js';
export { alexNetInitializers, INIT_SCHEMES, ALEXNET_LAYERS, type InitScheme, type AlexNetLayerName, type LayerInitializers } from './init-schemes.js';
export { sgdMomentum, SgdMomentumOptimizer, SGD_RULES, type SgdRule, type SgdMomentumConfig } from './sgd-momentum.js';
export {
  plateau,
  stepDecay,
  cosine,
  parseLrSchedule,
  type LrSchedule,
  type ScheduleState,
  type PlateauOptions,
  type StepDecayOptions,
  type CosineOptions,
  type ParseLrScheduleOptions,
} from './lr-schedules.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  resolveCheckpoint,
  trainableVariables,
  type TrainState,
  type LoadedCheckpoint,
  type OptimizerSlot,
} from './checkpoint.js';
export {
  trainLoop,
  NonFiniteLossError,
  dropoutSteps,
  restoreDropoutSteps,
  type TrainLoopOptions,
  type EpochMetrics,
  type StepPlacement,
  type StepCommunication,
  type StepTiming,
  type SteppableOptimizer,
} from './train-loop.js';
export { evaluateLoader, type Evaluation } from './evaluate.js';
export { readMetricsHistory, METRICS_JSONL, METRICS_CSV, type MetricsLine } from './metrics-files.js';
export { TensorBoardWriter, readEventFile, crc32c, maskedCrc32c, type TensorBoardEvent } from './tensorboard-events.js';
export type { BatchSource } from './batch-source.js';
export { GradientSums } from './gradient-sums.js';
