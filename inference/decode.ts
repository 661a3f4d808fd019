import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { InferenceError } from './errors.js';

export interface DecodeLimits {
  maxBytes: number;
  maxPixels: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };

/** A decoded photo: 8-bit sRGB, 3 channels, EXIF orientation applied. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
  format: string;
  sha256: string;
  bytes: number;
}

const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif']);

export async function decodeImage(input: Buffer, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<RgbImage> {
  if (input.length === 0) throw new InferenceError('UNSUPPORTED_IMAGE', 'The image is empty (0 bytes). Send a JPEG, PNG, WebP, TIFF or GIF photo.');
  if (input.length > limits.maxBytes) {
    throw new InferenceError('IMAGE_TOO_LARGE', `The image is ${mb(input.length)}; the limit is ${mb(limits.maxBytes)}. Resize or recompress it and try again.`, {
      bytes: input.length,
      maxBytes: limits.maxBytes,
    });
  }
  let meta: sharp.Metadata;
  try {
    // header only: a decompression bomb is refused here, before any pixel is decoded
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw new InferenceError('UNSUPPORTED_IMAGE', 'The file is not an image this hub can read. Send a JPEG, PNG, WebP, TIFF or GIF photo.');
  }
  if (!meta.format || !SUPPORTED.has(meta.format)) {
    throw new InferenceError('UNSUPPORTED_IMAGE', `Images of format '${meta.format ?? 'unknown'}' are not accepted. Send a JPEG, PNG, WebP, TIFF or GIF photo.`, { format: meta.format });
  }
  const pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
  if (pixels > limits.maxPixels) {
    throw new InferenceError(
      'IMAGE_TOO_LARGE',
      `The image is ${meta.width}x${meta.pageHeight ?? meta.height} pixels (${(pixels / 1e6).toFixed(1)} MP); the limit is ${(limits.maxPixels / 1e6).toFixed(0)} MP. Downscale it and try again.`,
      { width: meta.width, height: meta.pageHeight ?? meta.height, maxPixels: limits.maxPixels },
    );
  }
  try {
    const { data, info } = await sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'error', pages: 1, page: 0 })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels`);
    return {
      data,
      width: info.width,
      height: info.height,
      format: meta.format,
      sha256: createHash('sha256').update(input).digest('hex'),
      bytes: input.length,
    };
  } catch (e) {
    throw new InferenceError('CORRUPT_IMAGE', `The ${meta.format.toUpperCase()} file is damaged or truncated and cannot be decoded (${firstLine(e)}). Send the original file.`, {
      format: meta.format,
    });
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 120);
