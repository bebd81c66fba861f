/** Side-effect module: registers the layer classes so saved models load back. */
import * as tf from '@tensorflow/tfjs';
import { LocalResponseNormalization } from './local-response-normalization.js';

tf.serialization.registerClass(LocalResponseNormalization);
