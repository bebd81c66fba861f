// @alexnet/eval/metrics — top-k and the confusion matrix on their own, for browsers and bundlers:
// pure code, no node: modules, no sharp (tested by bundling it). Pictures and the feature index are in '@alexnet/eval'.
export { errorRates, topK, topKHits, TopKMeter, type ScoreRows } from './top-k.js';
export { ConfusionMatrix } from './confusion-matrix.js';
