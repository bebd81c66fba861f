/** Side-effect module: registers the layer classes so saved models load back. */
import * as tf from '@tensorflow/tfjs';
import { LocalResponseNormalization } from './local-response-normalization.js';
import { SeededDropout } from './seeded-dropout.js';
import { GroupedConv2D } from './grouped-conv2d.js';

tf.serialization.registerClass(LocalResponseNormalization);
tf.serialization.registerClass(SeededDropout);
tf.serialization.registerClass(GroupedConv2D);
