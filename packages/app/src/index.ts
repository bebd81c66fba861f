export { alexNet, logitsOf } from './alexnet.js';
export { PAPER_ALEXNET, CONV_LAYERS, FC_WIDTH, featureSizes, scaledWidth, type AlexNetConfig } from './alexnet-config.js';
export { alexNetOwt, TORCHVISION_ALEXNET, type AlexNetOwtConfig } from './alexnet-owt.js';
export { summarize, formatSummary, type ModelSummary, type LayerSummary } from './model-summary.js';
export { featureChain, type FeatureChain, type FeatureChainConfig } from './feature-chain.js';
