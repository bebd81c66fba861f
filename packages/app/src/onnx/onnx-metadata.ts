import { validated } from '@alexnet/data';
import { z } from 'zod';

/** metadata_props key of the preprocessing an export carries (JSON), and of its mean image (base64 float32). */
export const PREPROCESSING_KEY = 'alexnet:preprocessing';
export const MEAN_IMAGE_KEY = 'alexnet:mean-image';

/** What inference needs besides the network, as an export carries it (stats is the dataset's stats.json). */
export interface OnnxPreprocessing {
  crop: number;
  scale: number;
  mean: 'image' | 'channel' | 'none';
  classes: string[];
  names: string[];
  stats: Record<string, unknown>;
}

const PREPROCESSING = z.object({
  crop: z.number().int().min(1).max(4096),
  scale: z.number().positive().max(1e6),
  mean: z.enum(['image', 'channel', 'none']),
  classes: z
    .array(z.string().min(1).max(1024))
    .min(2)
    .max(1 << 20),
  names: z.array(z.string().max(1000)),
  stats: z.record(z.string(), z.unknown()),
});

/** The metadata_props an export writes: preprocessing, and the mean image when the network needs it. */
export function preprocessingMetadata(p: OnnxPreprocessing, meanImage: Float32Array | undefined): Record<string, string> {
  return {
    [PREPROCESSING_KEY]: JSON.stringify(p),
    ...(meanImage ? { [MEAN_IMAGE_KEY]: Buffer.from(meanImage.buffer, meanImage.byteOffset, meanImage.byteLength).toString('base64') } : {}),
  };
}

/** The preprocessing an ONNX file of this project carries (undefined for other producers), checked. */
export function readPreprocessingMetadata(
  metadata: Record<string, string>,
  file: string,
  classes: number,
): { preprocessing: OnnxPreprocessing; meanImage?: Uint8Array } | undefined {
  const text = metadata[PREPROCESSING_KEY];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: metadata ${PREPROCESSING_KEY} is not JSON (${(error as Error).message})`);
  }
  const p = validated(PREPROCESSING, value, `${file}: metadata ${PREPROCESSING_KEY}`, 'the file was changed or damaged') as OnnxPreprocessing;
  if (p.classes.length !== classes || p.names.length !== classes)
    throw new Error(`${file}: metadata ${PREPROCESSING_KEY} names ${p.classes.length} classes and ${p.names.length} names for a network of ${classes} outputs`);
  const encoded = metadata[MEAN_IMAGE_KEY];
  return { preprocessing: p, ...(encoded === undefined ? {} : { meanImage: new Uint8Array(Buffer.from(encoded, 'base64')) }) };
}
