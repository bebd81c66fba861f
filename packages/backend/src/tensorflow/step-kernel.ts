import * as tf from '@tensorflow/tfjs';

/** The part of tfjs-node's backend these kernels call: one TensorFlow op by name. */
interface TensorflowBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: Array<{ name: string; type: number; value: number }>, inputs: tf.TensorInfo[]): tf.Tensor;
}

/**
 * `Step` on TensorFlow's C library: tfjs-node builds it from six ops (IsNan,
 * Greater, two Fills and two Selects), and it is what every ReLU's gradient
 * runs (fused conv and dense layers multiply dy by step(y)): about 15 % of an
 * AlexNet training step. For alpha 0, Sign(Relu(x)) is the same function in
 * two ops — 1 for x > 0, 0 for x ≤ 0 (and −0), NaN for NaN — so that case
 * takes this path; any other alpha keeps tfjs-node's kernel.
 */
export function fastStep(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Step,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { alpha } = args.attrs as { alpha?: number };
      if ((alpha ?? 0) !== 0 || x.dtype !== 'float32') return original.kernelFunc(args);
      const backend = args.backend as unknown as TensorflowBackend;
      const attrs = [{ name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT }];
      const relu = backend.executeSingleOutput('Relu', attrs, [x]);
      const step = backend.executeSingleOutput('Sign', attrs, [relu]);
      relu.dispose();
      return step;
    },
  };
}

/**
 * Replaces tfjs-node's kernels that this package makes faster on the native
 * engine. Call after @tensorflow/tfjs-node(-gpu) is imported (it registers its
 * own kernels then); loadEngine and initBackend do. Idempotent.
 */
export function registerTensorflowKernels(): void {
  const current = tf.getKernel(tf.Step, 'tensorflow');
  if (current === undefined || (current as { alexnet?: boolean }).alexnet) return;
  tf.unregisterKernel(tf.Step, 'tensorflow');
  tf.registerKernel(Object.assign(fastStep(current), { alexnet: true }));
}
