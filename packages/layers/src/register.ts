/** Side-effect module: registers the layer classes so saved models load back. */
import * as tf from '@tensorflow/tfjs';
import { LocalResponseNormalization } from './local-response-normalization.js';
import { SeededDropout } from './seeded-dropout.js';

tf.serialization.registerClass(LocalResponseNormalization);
tf.serialization.registerClass(SeededDropout);
