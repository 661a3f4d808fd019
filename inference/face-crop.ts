import sharp from 'sharp';
import type { RgbImage } from './decode.js';
import type { Box } from './geometry.js';

/**
 * The kept crop spans this many face-box widths: room for any pack's detector and alignment template.
 * On lfw50, builtin-faceres embeddings from the crop against those from the photo: cosine median 0.982 at 2.5, 0.973 at 2, 0.956 at 1.6.
 */
export const CROP_SPAN = 2.5;
/** Longest side of a kept crop, in pixels (smaller faces are kept at their own size, never upscaled). */
export const CROP_MAX_SIDE = 256;
export const CROP_JPEG_QUALITY = 90;

/** A face as enrollment keeps it: upright as in the photo, centred, a JPEG. */
export interface FaceCrop {
  jpeg: Uint8Array;
  width: number;
  height: number;
  /** the detected face box in the crop's pixels */
  box: Box;
}

/**
 * A square of CROP_SPAN × the face box's longer side, centred on the face; where it runs past the
 * photo's edge the missing part is black, so the face stays centred.
 */
export async function cropFace(image: RgbImage, box: Box): Promise<FaceCrop> {
  const side = Math.max(1, Math.round(CROP_SPAN * Math.max(box.width, box.height)));
  const left = Math.round(box.x + box.width / 2 - side / 2);
  const top = Math.round(box.y + box.height / 2 - side / 2);
  const x0 = clamp(left, 0, image.width - 1), y0 = clamp(top, 0, image.height - 1);
  const x1 = clamp(left + side, x0 + 1, image.width), y1 = clamp(top + side, y0 + 1, image.height);
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const square = await sharp(image.data, { raw })
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .extend({ left: x0 - left, top: y0 - top, right: Math.max(0, left + side - x1), bottom: Math.max(0, top + side - y1), background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = Math.min(CROP_MAX_SIDE, side);
  const f = out / side;
  const jpeg = await sharp(square.data, { raw: { width: square.info.width, height: square.info.height, channels: 3 } })
    .resize(out, out, { kernel: 'lanczos3' })
    .jpeg({ quality: CROP_JPEG_QUALITY })
    .toBuffer();
  return { jpeg, width: out, height: out, box: { x: (box.x - left) * f, y: (box.y - top) * f, width: box.width * f, height: box.height * f } };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
