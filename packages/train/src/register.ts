/** Side-effect module: registers the optimizer class so models saved with their optimizer load back. */
import * as tf from '@tensorflow/tfjs';
import { SgdMomentumOptimizer } from './sgd-momentum.js';

tf.serialization.registerClass(SgdMomentumOptimizer);
