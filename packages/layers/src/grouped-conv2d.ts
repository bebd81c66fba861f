import * as tf from '@tensorflow/tfjs';
import { baseLayerArgs, type BaseLayerArgs } from './base-layer-args.js';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Rebuilds a serialized initializer ({ className, config }) through tfjs's class registry. */
function deserializeInitializer(value: unknown): Initializer | undefined {
  if (value == null) return undefined;
  const { className, config } = value as { className: string; config: tf.serialization.ConfigDict };
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) throw new Error(`GroupedConv2D: unknown initializer class '${className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as Initializer;
}

/** Arguments of {@link GroupedConv2D}. */
export interface GroupedConv2DArgs extends BaseLayerArgs {
  /** Output channels (all groups together); divisible by `groups`. */
  filters: number;
  /** Square kernel side or [height, width]. */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
  /** Channel groups, convolved separately (Caffe's `group`). Default 2, as in AlexNet's two columns. */
  groups?: number;
  /** Default none (linear). */
  activation?: 'relu' | 'linear';
  /** Default true. */
  useBias?: boolean;
  /** Default glorotUniform, as tf.layers.conv2d. */
  kernelInitializer?: Initializer;
  /** Default zeros. */
  biasInitializer?: Initializer;
}

/**
 * A 2-D convolution whose input and output channels are split into `groups`
 * groups, each group's outputs seeing only its own inputs — AlexNet's two
 * GPU columns (§3.2), Caffe's `group`, PyTorch's `groups`. tfjs conv layers
 * have no groups. The kernel is stored as one [kh, kw, in/groups, filters]
 * tensor: output channels [g·F/G, (g+1)·F/G) belong to group g, as in Caffe.
 */
export class GroupedConv2D extends tf.layers.Layer {
  static className = 'AlexNetGroupedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly groups: number;
  readonly activation: 'relu' | 'linear';
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: GroupedConv2DArgs) {
    super(baseLayerArgs(args));
    const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.groups = args.groups ?? 2;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.glorotUniform({});
    this.biasInitializer = args.biasInitializer ?? tf.initializers.zeros();
    if (!Number.isInteger(this.groups) || this.groups < 1) throw new Error(`GroupedConv2D: groups must be a positive integer, got ${this.groups}`);
    if (!Number.isInteger(this.filters) || this.filters % this.groups !== 0) {
      throw new Error(`GroupedConv2D: filters (${this.filters}) must be a multiple of groups (${this.groups})`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null || channels % this.groups !== 0) {
      throw new Error(`GroupedConv2D '${this.name}': input channels (${channels}) must be a multiple of groups (${this.groups})`);
    }
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels / this.groups, this.filters], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', this.biasInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const out = (size: number | null, k: number, s: number) =>
      size == null ? null : this.padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
    return [
      shape[0] ?? null,
      out(shape[1] ?? null, this.kernelSize[0], this.strides[0]),
      out(shape[2] ?? null, this.kernelSize[1], this.strides[1]),
      this.filters,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const xs = this.groups === 1 ? [x] : tf.split(x, this.groups, 3);
      const ks = this.groups === 1 ? [kernel] : tf.split(kernel, this.groups, 3);
      const parts = xs.map((part, g) => tf.conv2d(part as tf.Tensor4D, ks[g] as tf.Tensor4D, this.strides, this.padding));
      let y: tf.Tensor = parts.length === 1 ? parts[0]! : tf.concat(parts, 3);
      if (this.bias !== null) y = tf.add(y, this.bias.read());
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      groups: this.groups,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: { className: this.kernelInitializer.getClassName(), config: this.kernelInitializer.getConfig() },
      biasInitializer: { className: this.biasInitializer.getClassName(), config: this.biasInitializer.getConfig() },
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { kernelInitializer, biasInitializer, ...rest } = config;
    return new cls({ ...rest, kernelInitializer: deserializeInitializer(kernelInitializer), biasInitializer: deserializeInitializer(biasInitializer) });
  }
}

/** Factory for {@link GroupedConv2D}. */
export function groupedConv2d(args: GroupedConv2DArgs): GroupedConv2D {
  return new GroupedConv2D(args);
}
