import * as tf from '@tensorflow/tfjs';

/**
 * Test-time views (§4.1 of the paper): "the network makes a prediction by
 * extracting five 224×224 patches (the four corner patches and the center
 * patch) as well as their horizontal reflections … and averaging the
 * predictions made by the network's softmax layer on the ten patches".
 *
 * The ten views follow Caffe's `oversample` (BVLC/caffe python/caffe/io.py):
 *
 * | view | region        | view | region                 |
 * |------|---------------|------|------------------------|
 * | 0    | top-left      | 5    | top-left, mirrored     |
 * | 1    | top-right     | 6    | top-right, mirrored    |
 * | 2    | bottom-left   | 7    | bottom-left, mirrored  |
 * | 3    | bottom-right  | 8    | bottom-right, mirrored |
 * | 4    | center        | 9    | center, mirrored       |
 *
 * Caffe builds the corners as `for i in (0, H−h): for j in (0, W−w)`, the
 * center at `int(H/2 − h/2)`, `int(W/2 − w/2)` (= ⌊(H−h)/2⌋ here), and then
 * mirrors each of the same five crops left–right (`crops[ix-5:ix, :, ::-1, :]`).
 * So view 5 is the top-left crop flipped — not, as in torchvision's
 * `TenCrop`, the top-left crop of the flipped image (which is the top-right
 * crop flipped). The ten softmax outputs are averaged either way, so the
 * order only matters to whoever inspects single views.
 */
export const TEN_CROP_VIEWS = [
  'top-left',
  'top-right',
  'bottom-left',
  'bottom-right',
  'center',
  'top-left mirrored',
  'top-right mirrored',
  'bottom-left mirrored',
  'bottom-right mirrored',
  'center mirrored',
] as const;

/** The central `size`×`size` crop of an [H, W, C] image, at ⌊(H−size)/2⌋, ⌊(W−size)/2⌋. */
export function centerCrop(image: tf.Tensor3D, size: number): tf.Tensor3D {
  const [height, width, channels] = image.shape;
  checkSize(height, width, size);
  const [top, left] = centerOrigin(height, width, size);
  return tf.tidy(() => tf.slice(image, [top, left, 0], [size, size, channels]));
}

/** {@link centerCrop} of every image in an [B, H, W, C] batch. */
export function centerCropBatch(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  checkSize(height, width, size);
  const [top, left] = centerOrigin(height, width, size);
  return tf.tidy(() => tf.slice(images, [0, top, left, 0], [batch, size, size, channels]));
}

/** The ten views of one [H, W, C] image as [10, size, size, C], in {@link TEN_CROP_VIEWS} order. */
export function tenCrop(image: tf.Tensor3D, size: number): tf.Tensor4D {
  return tf.tidy(() => tenCropBatch(tf.expandDims<tf.Tensor4D>(image, 0), size));
}

/**
 * The ten views of every image in an [B, H, W, C] batch as [B·10, size, size, C],
 * image-major: rows 10b … 10b+9 are image b's views in {@link TEN_CROP_VIEWS} order.
 */
export function tenCropBatch(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  checkSize(height, width, size);
  const [centerTop, centerLeft] = centerOrigin(height, width, size);
  const origins: Array<[number, number]> = [
    [0, 0],
    [0, width - size],
    [height - size, 0],
    [height - size, width - size],
    [centerTop, centerLeft],
  ];
  return tf.tidy(() => {
    const crops = origins.map(([top, left]) => tf.slice(images, [0, top, left, 0], [batch, size, size, channels]));
    const mirrored = crops.map((crop) => tf.reverse(crop, 2)); // axis 2 = width: a horizontal reflection
    // Stack on axis 1 so each image's ten views are adjacent, then flatten to a batch.
    return tf.reshape(tf.stack([...crops, ...mirrored], 1), [batch * 10, size, size, channels]);
  });
}

/**
 * A multi-view prediction: the mean of each image's `views` consecutive
 * softmax rows, [B·views, classes] → [B, classes]. Average probabilities, not
 * logits — the paper averages "the predictions made by the network's softmax layer".
 */
export function averageViews(probabilities: tf.Tensor2D, views = 10): tf.Tensor2D {
  const [rows, classes] = probabilities.shape;
  if (!Number.isInteger(views) || views < 1) throw new Error(`views must be a positive integer, got ${views}`);
  if (rows % views !== 0) throw new Error(`${rows} rows are not a whole number of ${views}-view groups`);
  return tf.tidy(() => tf.mean(tf.reshape(probabilities, [rows / views, views, classes]), 1) as tf.Tensor2D);
}

function centerOrigin(height: number, width: number, size: number): [number, number] {
  return [Math.floor((height - size) / 2), Math.floor((width - size) / 2)];
}

function checkSize(height: number, width: number, size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > height || size > width) {
    throw new Error(`crop ${size} does not fit in ${height}×${width} images`);
  }
}
