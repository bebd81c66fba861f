import './register.js';

export { LocalResponseNormalization, lrn, type LocalResponseNormalizationArgs } from './local-response-normalization.js';
export { overlappingMaxPool, nonOverlappingMaxPool, type OverlappingMaxPoolArgs } from './overlapping-pooling.js';
export { SeededDropout, seededDropout, type SeededDropoutArgs } from './seeded-dropout.js';
export { GroupedConv2D, groupedConv2d, type GroupedConv2DArgs } from './grouped-conv2d.js';
export type { BaseLayerArgs } from './base-layer-args.js';
