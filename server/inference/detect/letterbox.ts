import sharp from 'sharp';
import type { RgbImage } from '../decode.js';
import type { Region } from './detection.js';

export interface Letterboxed {
  /** interleaved RGB, size x size */
  pixels: Buffer;
  /** image pixels per detector-input pixel */
  scale: number;
}

/** Crops a region, scales it to fit size x size keeping aspect, pads right/bottom with black. */
export async function letterbox(image: RgbImage, region: Region, size: number): Promise<Letterboxed> {
  const scale = Math.max(region.width, region.height) / size;
  const w = Math.max(1, Math.round(region.width / scale));
  const h = Math.max(1, Math.round(region.height / scale));
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
    .resize(w, h, { kernel: 'linear', fit: 'fill' })
    .extend({ right: size - w, bottom: size - h, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  return { pixels, scale };
}

/** Interleaved 8-bit RGB -> float tensor data with (x - mean) / std per channel. */
export function normalize(
  pixels: Uint8Array,
  count: number,
  { layout, bgr, mean, std }: { layout: 'nchw' | 'nhwc'; bgr: boolean; mean: number[]; std: number[] },
  out = new Float32Array(count * 3),
  offset = 0,
): Float32Array {
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (pixels[i * 3 + (bgr ? 2 - c : c)] - mean[c]) / std[c];
      out[offset + (layout === 'nchw' ? c * count + i : i * 3 + c)] = v;
    }
  }
  return out;
}
