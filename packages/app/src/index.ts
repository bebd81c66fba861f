export { alexNet, logitsOf } from './alexnet.js';
export { PAPER_ALEXNET, CONV_LAYERS, FC_WIDTH, featureSizes, scaledWidth, type AlexNetConfig } from './alexnet-config.js';
