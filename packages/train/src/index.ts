export { saveModel, loadModel } from './model-files.js';
