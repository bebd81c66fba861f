import * as tf from '@tensorflow/tfjs';

/**
 * Calls another wasm kernel directly, the way the wasm engine's own composite
 * kernels do. Public tf ops must not be used inside a kernel: the engine would
 * track their outputs as tensors and disposal would break.
 */
export type KernelInputs = Record<string, tf.TensorInfo>;
export type KernelAttrs = Record<string, unknown>;
export type WasmBackend = tf.KernelBackend & { disposeData(dataId: object): boolean };

export function runWasmKernel(name: string, backend: WasmBackend, inputs: KernelInputs, attrs: KernelAttrs = {}): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) {
    throw new Error(`@alexnet/backend: the wasm engine has no '${name}' kernel to build on`);
  }
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/**
 * Runs a chain of kernels and frees every intermediate: use it through
 * `Scratch.use`, whose body returns the one result that leaves the kernel.
 */
export class Scratch {
  private readonly owned: tf.TensorInfo[] = [];
  private constructor(private readonly backend: WasmBackend) {}

  run(name: string, inputs: KernelInputs, attrs: KernelAttrs = {}): tf.TensorInfo {
    const out = runWasmKernel(name, this.backend, inputs, attrs);
    this.owned.push(out);
    return out;
  }

  /** Takes ownership of a result produced outside `run`, so `finish` frees it. */
  adopt(info: tf.TensorInfo): void {
    this.owned.push(info);
  }

  /** Releases every intermediate, for when the kernel fails part way. */
  private abandon(): void {
    for (const info of this.owned) this.backend.disposeData(info.dataId);
    this.owned.length = 0;
  }

  /** Runs `body` and frees the intermediates whether it returns or throws. */
  static use(backend: WasmBackend, body: (scratch: Scratch) => tf.TensorInfo): tf.TensorInfo {
    const scratch = new Scratch(backend);
    try {
      return scratch.finish(body(scratch));
    } catch (error) {
      scratch.abandon();
      throw error;
    }
  }

  /** Releases every intermediate except `result`, which the caller returns. */
  private finish(result: tf.TensorInfo): tf.TensorInfo {
    for (const info of this.owned) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    this.owned.length = 0;
    return result;
  }
}
