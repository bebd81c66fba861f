import './register.js';

export {
  LocalResponseNormalization,
  lrn,
  type LocalResponseNormalizationArgs,
} from './local-response-normalization.js';
export { overlappingMaxPool, nonOverlappingMaxPool, type OverlappingMaxPoolArgs } from './overlapping-pooling.js';
export { SeededDropout, seededDropout, type SeededDropoutArgs } from './seeded-dropout.js';
