import * as tf from '@tensorflow/tfjs';

/**
 * torchvision's ImageNet preprocessing: Resize(256), CenterCrop(224), ToTensor (÷255),
 * Normalize(mean, std) per channel. This project's pipeline subtracts a mean and multiplies
 * by one scale, so the per-channel 1/std is folded into conv1's kernel instead: conv1 sees
 * zero-padded (x − mean)/255, and (x − mean)/255/std through W equals (x − mean)/255 through
 * W/std, padding included (its zeros stay zeros).
 */
export const TORCHVISION_MEAN = [0.485, 0.456, 0.406] as const;
export const TORCHVISION_STD = [0.229, 0.224, 0.225] as const;
export const TORCHVISION_RESIZE = 256;

/**
 * ImageNet's RGB PCA on the 0–1 scale as fb.resnet.torch publishes it (eigenvalues, and
 * eigenvectors as columns), for PCA lighting when a torchvision model is fine-tuned.
 */
const IMAGENET_EIGENVALUES = [0.2175, 0.0188, 0.0045];
const IMAGENET_EIGENVECTORS = [
  [-0.5675, 0.7192, 0.4009],
  [-0.5808, -0.0045, -0.814],
  [-0.5836, -0.6948, 0.4203],
];

/** conv1's kernel [kh, kw, 3, out] with input channel c divided by std[c]. */
export function foldStdIntoConv1(model: tf.LayersModel): void {
  const conv1 = model.getLayer('conv1');
  const [kernel, bias] = conv1.getWeights();
  const scaled = tf.tidy(() => tf.div(kernel!, tf.tensor([...TORCHVISION_STD]).reshape([1, 1, 3, 1])));
  conv1.setWeights([scaled, bias!]);
  scaled.dispose();
}

/**
 * The stats.json and mean image of torchvision's normalisation at `size`: the mean on the
 * 0–255 scale, everywhere; the covariance and its eigen-decomposition from fb.resnet.torch's
 * ImageNet PCA (eigenvalues ×255²; stats.json keeps eigenvectors as rows).
 */
export function torchvisionStats(size: number): { stats: Record<string, unknown>; meanImage: Float32Array } {
  const channelMean = TORCHVISION_MEAN.map((m) => m * 255);
  const eigenvalues = IMAGENET_EIGENVALUES.map((v) => v * 255 * 255);
  const eigenvectors = [0, 1, 2].map((k) => IMAGENET_EIGENVECTORS.map((row) => row[k]!));
  const covariance = [0, 1, 2].map((i) => [0, 1, 2].map((j) => eigenvectors.reduce((sum, v, k) => sum + eigenvalues[k]! * v[i]! * v[j]!, 0)));
  const meanImage = channelMeanImage(size, channelMean);
  // ILSVRC-2012's training set: 1,281,167 images.
  const samples = 1_281_167;
  return {
    stats: {
      split: 'imagenet (torchvision normalisation)',
      meanImage: 'mean-image.f32',
      size,
      channelMean,
      covariance,
      eigenvalues,
      eigenvectors,
      pixelScale: 255,
      samples,
      pixels: samples * size * size,
    },
    meanImage,
  };
}

/** A size×size×3 mean image holding the channel mean everywhere (for a network trained with `mean: 'channel'`). */
export function channelMeanImage(size: number, channelMean: readonly number[]): Float32Array {
  const image = new Float32Array(size * size * 3);
  for (let i = 0; i < image.length; i++) image[i] = channelMean[i % 3]!;
  return image;
}
