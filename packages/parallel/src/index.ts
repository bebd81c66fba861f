// @alexnet/parallel: placing AlexNet's training over several devices (GUIDE §2). A device is
// an engine in its own thread (or process); ranks exchange float32 arrays through a Transport
// that counts its bytes. This first part: the thread transport, the ring all-reduce and data
// parallelism, the column split, the hybrid, and placeTraining (the three in trainLoop).
export { type Transport, RankTimeoutError, timedTransport } from './transport.js';
export { createThreadChannels, threadTransport, type ThreadChannels } from './thread-transport.js';
export { ringAllReduce } from './ring-all-reduce.js';
export { averageGradients, ringAllReduceBytes } from './data-parallel.js';
export { runThreadRanks, rankContext, reportResult, reportError } from './thread-ranks.js';
export {
  assembleColumns,
  columnWeightsOf,
  columnOpsOf,
  columnStep,
  columnSliceOf,
  columnStepFloatsPerImage,
  type ColumnWeights,
  type ColumnOps,
  type ColumnStepResult,
} from './column-split.js';
export { convTowerOf, hybridStep, hybridStepFloats, type HybridWeights, type HybridStepResult } from './hybrid.js';
export { processTransport, type ProcessMessage } from './process-transport.js';
export { runProcessRanks } from './process-ranks.js';
export { startHelperRanks, TRANSPORT_KINDS, type TransportKind, type HelperRanks, type HelperRankOptions } from './helper-ranks.js';
export { placeTraining, type PlacedTraining, type PlacedTrainingOptions } from './placed-training.js';
export { PLACEMENT_KINDS, type PlacementKind } from './rank-parts.js';
