export { resizeAndCenterCrop, type RgbImage } from './resize-crop.js';
export { readClassFolders, type ClassFolderTree, type LabelledFile } from './class-folders.js';
export { heldOutSplit } from './held-out-split.js';
export { seededRandom, uniform, randomInt, shuffleInPlace, type Random } from './random.js';
export { writeSyntheticShapes, shapeSvg, SHAPE_CLASSES, type ShapeClass, type SyntheticShapesOptions } from './synthetic-shapes.js';
export { prepareClassFolders, type PrepareOptions, type PrepareResult } from './prepare-class-folders.js';
export { readPreparedIndex, readPreparedSplit, type PreparedIndex, type PreparedSplit, type PreparedSplitInfo } from './prepared-dataset.js';
export { writeFileAtomic } from './atomic-write.js';
export { cropFlipBatch, channelMean, type BatchOptions } from './crop-flip-batch.js';
