export { errorRates, topK, topKHits, TopKMeter, type ScoreRows } from './top-k.js';
export { averageViews, centerCrop, centerCropBatch, TEN_CROP_VIEWS, tenCrop, tenCropBatch } from './views.js';
export { ConfusionMatrix } from './confusion-matrix.js';
export { confusionHeatmapPng, type HeatmapOptions } from './confusion-heatmap.js';
export { defaultFilterColumns, filterGridPng, type FilterGridOptions, type RenderedPng } from './filter-grid.js';
export {
  contactSheetPng,
  formatDistance,
  QUERY_COLOUR,
  SHEET_CAPTION,
  SHEET_PAD,
  type ContactSheetOptions,
  type SheetImage,
  type SheetNeighbour,
} from './contact-sheet.js';
export { FeatureIndex, type Neighbour } from './feature-index.js';
export { csvField, escapeXml, terminalText } from './text-escaping.js';
export { trainingCurvesPng, trainingCurvesSvg, formatRate, type CurvePoint, type CurveRun, type TrainingCurvesOptions } from './training-curves.js';
export { kernelChroma, columnChroma } from './filter-colour.js';
