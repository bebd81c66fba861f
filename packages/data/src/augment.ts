// @alexnet/data/augment — the §4.1 augmentations on their own, for browsers and bundlers:
// pure tfjs and typed-array code, no node: modules, no sharp or ml-matrix (tested by bundling it).
export { subtractMean, randomCrop, randomFlip, pcaLighting, centerCrop } from './augment-tensors.js';
export { cropFlipInto, randomView, centerView, lightingShift, drawLightingAlphas, type CropView, type PixelTransform } from './augment-image.js';
export { IMAGENET_PCA, type Rgb, type RgbEigen } from './rgb-eigen.js';
export { seededRandom, uniform, randomInt, shuffleInPlace, gaussian, hashSeed, type Random } from './random.js';
