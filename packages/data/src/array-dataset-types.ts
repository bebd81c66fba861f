/** Images held as one byte array, channels last. */
export interface ArraySplit {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** count×height×width×channels bytes, row-major, channels last. */
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
}

/** A dataset shipped as arrays (not image files), read whole into memory. */
export interface ArrayDataset {
  format: 'fashion-mnist' | 'cifar-10';
  /** Class names in label order. */
  classes: string[];
  splits: { train: ArraySplit; val: ArraySplit };
}

export type ArrayDatasetFormat = ArrayDataset['format'];
