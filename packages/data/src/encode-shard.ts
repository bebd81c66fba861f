import sharp from 'sharp';
import type { ImageSource } from './dataset-listing.js';
import { rejectionReason, resizeAndCenterCrop, type DecodeInput } from './resize-crop.js';
import { encodeShard, type ShardEncoding, type ShardHeader, type ShardRecord } from './shard-file.js';

/** An input that could not be used, and why: an entry of rejected.json and of a shard's header. */
export type Rejection = ShardHeader['rejected'][number];

/** One planned image once encoded: the record its shard stores, or why it cannot be used. */
export type EncodedImage = { record: ShardRecord } | { rejected: Rejection };

/** A shard file ready to write, and what it holds. */
export interface EncodedShard {
  bytes: Buffer;
  count: number;
  rejected: Rejection[];
}

/** How the images of a prepared dataset are stored: their side and their encoding. */
export interface ShardEncoder {
  readonly size: number;
  readonly encoding: ShardEncoding;
  /** Decodes one image, resizes and center-crops it, and encodes it; bad input becomes a rejection, never an error. */
  image(item: ImageSource): Promise<EncodedImage>;
  /** The shard file of one planned shard from its images, in plan order. */
  shard(images: EncodedImage[]): EncodedShard;
  /** Whether a complete shard found on disk is what this encoder writes for `planned` images. */
  wrote(header: ShardHeader, planned: number): boolean;
}

/** The encoder of S×S images stored raw (S×S×3 bytes) or as JPEG (4:4:4 chroma, `jpegQuality`). */
export function shardEncoder({ size, encoding, jpegQuality }: { size: number; encoding: ShardEncoding; jpegQuality: number }): ShardEncoder {
  return {
    size,
    encoding,
    async image(item) {
      let input: DecodeInput | undefined;
      try {
        input = await item.load();
        const image = await resizeAndCenterCrop(input, size);
        const bytes =
          encoding === 'raw'
            ? image.data
            : await sharp(image.data, { raw: { width: size, height: size, channels: 3 } })
                .jpeg({ quality: jpegQuality, chromaSubsampling: '4:4:4' })
                .toBuffer();
        return { record: { label: item.label, source: item.source, bytes } };
      } catch (error) {
        return { rejected: { file: item.source, reason: rejectionReason(error, input) } };
      }
    },
    shard(images) {
      const records = images.flatMap((i) => ('record' in i ? [i.record] : []));
      const rejected = images.flatMap((i) => ('rejected' in i ? [i.rejected] : []));
      return { bytes: encodeShard({ size, encoding, rejected }, records), count: records.length, rejected };
    },
    // A shard of this plan holds its images at this size and encoding, one per planned item or rejection.
    wrote(header, planned) {
      return header.size === size && header.encoding === encoding && header.count + header.rejected.length === planned;
    },
  };
}
