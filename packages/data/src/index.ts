// Decoding and the paper's resize + center crop (§2).
export { resizeAndCenterCrop, rejectionReason, type RgbImage, type RawPixels, type DecodeInput } from './resize-crop.js';

// Datasets on disk: layouts, array datasets, listing.
export { readClassFolders, type ClassFolderTree, type LabelledFile } from './class-folders.js';
export { heldOutSplit } from './held-out-split.js';
export { readIlsvrc, findIlsvrcRoot, type IlsvrcListing } from './ilsvrc-layout.js';
export { readIdxFile, encodeIdx, type IdxArray } from './idx-file.js';
export { readFashionMnist, FASHION_MNIST_CLASSES } from './fashion-mnist.js';
export { readCifar10, CIFAR_10_CLASSES } from './cifar-10.js';
export { detectArrayDataset, readArrayDataset } from './array-dataset.js';
export type { ArrayDataset, ArraySplit, ArrayDatasetFormat } from './array-dataset-types.js';
export {
  listDataset,
  detectDatasetFormat,
  DATASET_FORMATS,
  type DatasetFormat,
  type DatasetListing,
  type ImageSource,
  type ListOptions,
} from './dataset-listing.js';
export { writeSyntheticShapes, shapeSvg, SHAPE_CLASSES, type ShapeClass, type SyntheticShapesOptions } from './synthetic-shapes.js';

// Prepared datasets: shards, index, statistics.
export { prepareDataset, PrepareInterrupted, type PrepareOptions, type PrepareSummary } from './prepare-dataset.js';
export { REJECTED_FILE } from './write-index.js';
export { PreparedSplit, readPreparedIndex, INDEX_FILE, type PreparedIndex, type PreparedSplitInfo } from './prepared-dataset.js';
export { ShardReader, encodeShard, SHARD_MAGIC, type ShardHeader, type ShardEncoding, type ShardRecord } from './shard-file.js';
export { computeDatasetStats, readDatasetStats, STATS_FILE, MEAN_IMAGE_FILE, type DatasetStats, type StatsOptions } from './dataset-stats.js';
export { PixelStatistics, type RgbStatistics } from './pixel-statistics.js';
export { rgbPca } from './rgb-pca.js';
export { IMAGENET_PCA, type Rgb, type RgbEigen } from './rgb-eigen.js';

// Augmentation (§4.1): typed arrays (the loader's fast path) and tfjs ops (any model).
export { cropFlipInto, randomView, centerView, lightingShift, drawLightingAlphas, type CropView, type PixelTransform } from './augment-image.js';
export { subtractMean, randomCrop, randomFlip, pcaLighting, centerCrop } from './augment-tensors.js';

// The batch loader.
export { BatchLoader, type LoaderOptions, type Batch } from './batch-loader.js';
export { epochOrder, planBatch, type BatchRequest, type AugmentPlan } from './batch-plan.js';
export { assembleBatch, type AssembledBatch, type PixelSettings } from './batch-assembly.js';

export { seededRandom, uniform, randomInt, shuffleInPlace, gaussian, hashSeed, type Random } from './random.js';

// Safe file access, now @alexnet/files; re-exported so code written against @alexnet/data keeps working.
export {
  writeFileAtomic,
  fileInside,
  openRegularFile,
  openRegularFileSync,
  readRegularFile,
  readJsonFile,
  MAX_JSON_BYTES,
  validated,
  checkFinite,
  lockFolder,
  LOCK_FILE,
  type RegularFileLimits,
  type FolderLock,
} from '@alexnet/files';
export { DatasetError, type DatasetRemedy } from './dataset-error.js';
