export { topKHits, TopKMeter } from './top-k.js';
