// Helpers for the packages' tests. The engine matrix is '@alexnet/test-support/engines'.
export { temporaryFolder } from './temporary-folder.js';
export { fakeElf, fakeSitePackages } from './fake-tensorflow.js';
export { packagesReachedFrom } from './import-graph.js';
export { bundleForBrowser, type BrowserBundle } from './browser-bundle.js';
export { tinyPreparedShapes, TINY_TRAIN_FLAGS } from './tiny-shapes.js';
export { maxAbsDifference } from './max-difference.js';
