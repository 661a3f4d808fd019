import sharp from 'sharp';
import { warpAffine } from '../geometry.js';
import type { Region } from './detection.js';

/** Interleaved 8-bit RGB pixels: a decoded photo or a scaled copy of one. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where pixels of a window or copy lie in the photo: (u, v) is (x + u * scaleX, y + v * scaleY). */
export interface Placement {
  x: number;
  y: number;
  /** photo pixels per pixel here, across and down (equal but for the rounding of a resize) */
  scaleX: number;
  scaleY: number;
}

/** One detector input: size x size interleaved RGB cut from the photo, and where it came from. */
export interface Window extends Placement {
  pixels: Uint8Array;
  size: number;
}

export const toImage = (p: Placement, u: number, v: number): [number, number] => [p.x + u * p.scaleX, p.y + v * p.scaleY];

const raw = (image: Pixels) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });

/**
 * A region scaled to fit size x size keeping its aspect, padded right and bottom with black; with
 * `upscale` false a region smaller than the window keeps its own pixels (scale 1).
 */
export async function letterbox(image: Pixels, region: Region, size: number, upscale = true): Promise<Window> {
  const fit = Math.max(region.width, region.height) / size;
  const scale = upscale ? fit : Math.max(1, fit);
  const w = Math.max(1, Math.round(region.width / scale));
  const h = Math.max(1, Math.round(region.height / scale));
  const cut = raw(image).extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  const pixels = await (w === region.width && h === region.height ? cut : cut.resize(w, h, { kernel: 'linear', fit: 'fill' }))
    .extend({ right: size - w, bottom: size - h, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  return { pixels, size, x: region.x, y: region.y, scaleX: region.width / w, scaleY: region.height / h };
}

/** The photo at 1/scale: one resize that the whole-photo window and all the tiles are then cut from. */
export async function downscale(image: Pixels, scale: number): Promise<{ copy: Pixels; placement: Placement }> {
  const width = Math.max(1, Math.round(image.width / scale));
  const height = Math.max(1, Math.round(image.height / scale));
  const data = await raw(image).resize(width, height, { kernel: 'linear', fit: 'fill' }).raw().toBuffer();
  return { copy: { data, width, height }, placement: { x: 0, y: 0, scaleX: image.width / width, scaleY: image.height / height } };
}

/** The whole photo, or a scaled copy of it placed by `placement`, letterboxed into one window (scaled up to fill it only with `upscale`). */
export async function wholeWindow(image: Pixels, size: number, placement?: Placement, upscale = true): Promise<Window> {
  const w = await letterbox(image, { x: 0, y: 0, width: image.width, height: image.height }, size, upscale);
  return placement ? { ...w, scaleX: w.scaleX * placement.scaleX, scaleY: w.scaleY * placement.scaleY } : w;
}

/**
 * A scaled copy cut into size x size windows that overlap by at least `overlap` window pixels, so a
 * face that narrow is whole in one of them. Copies of rows, no resampling.
 */
export function tileWindows(copy: Pixels, placement: Placement, size: number, overlap: number): Window[] {
  const { data, width: w, height: h } = copy;
  const starts = (length: number) => {
    if (length <= size) return [0];
    const n = Math.ceil((length - overlap) / (size - overlap));
    return Array.from({ length: n }, (_, i) => Math.round((i * (length - size)) / (n - 1)));
  };
  const windows: Window[] = [];
  for (const y0 of starts(h))
    for (const x0 of starts(w)) {
      const pixels = new Uint8Array(size * size * 3); // black where the copy is smaller than a window
      const cw = Math.min(size, w - x0);
      for (let y = 0; y < Math.min(size, h - y0); y++) {
        const from = ((y0 + y) * w + x0) * 3;
        pixels.set(data.subarray(from, from + cw * 3), y * size * 3);
      }
      windows.push({ pixels, size, x: x0 * placement.scaleX, y: y0 * placement.scaleY, scaleX: placement.scaleX, scaleY: placement.scaleY });
    }
  return windows;
}

export interface MosaicCell {
  /** which window, and the cell's top-left corner in it */
  window: number;
  u0: number;
  v0: number;
  cell: number;
  /** that window's pixels -> photo pixels, for this cell */
  placement: Placement;
}

/**
 * Several square regions (which may reach past the photo's edges: black there), each scaled into a
 * cell x cell square, laid out as a mosaic in size x size windows: one detector run looks at up to
 * (size / cell)^2 of them. The windows map their own pixels 1:1; each cell says how it maps back.
 * A region at most twice the cell is sampled bilinearly, a larger one reduced by libvips so that
 * it does not alias.
 */
export async function mosaic(image: Pixels, regions: Region[], size: number, cell: number): Promise<{ windows: Window[]; cells: MosaicCell[] }> {
  const across = Math.floor(size / cell), perWindow = across * across;
  const windows: Window[] = [];
  const cells: MosaicCell[] = [];
  for (const [i, r] of regions.entries()) {
    if (i % perWindow === 0) windows.push({ pixels: new Uint8Array(size * size * 3), size, x: 0, y: 0, scaleX: 1, scaleY: 1 });
    const out = windows[windows.length - 1].pixels;
    const u0 = (i % across) * cell, v0 = Math.floor((i % perWindow) / across) * cell;
    const s = r.width / cell;
    const { pixels, w, placement } = s <= 2 ? { pixels: warpAffine(image.data, image.width, image.height, [s, 0, r.x, 0, s, r.y], cell), w: cell, placement: { x: r.x, y: r.y, scaleX: s, scaleY: s } } : await reduced(image, r, cell);
    for (let y = 0; y < Math.min(cell, pixels.length / 3 / w); y++) out.set(pixels.subarray(y * w * 3, (y + 1) * w * 3), ((v0 + y) * size + u0) * 3);
    cells.push({ window: windows.length - 1, u0, v0, cell, placement: { ...placement, x: placement.x - u0 * placement.scaleX, y: placement.y - v0 * placement.scaleY } });
  }
  return { windows, cells };
}

/** A region scaled into a cell by libvips: its part inside the photo, placed where it falls in the cell, black elsewhere. */
async function reduced(image: Pixels, r: Region, cell: number): Promise<{ pixels: Uint8Array; w: number; placement: Placement }> {
  const s = r.width / cell;
  const ix = Math.max(0, Math.floor(r.x)), iy = Math.max(0, Math.floor(r.y));
  const iw = Math.min(image.width, Math.ceil(r.x + r.width)) - ix, ih = Math.min(image.height, Math.ceil(r.y + r.height)) - iy;
  const ox = Math.max(0, Math.round((ix - r.x) / s)), oy = Math.max(0, Math.round((iy - r.y) / s));
  const rw = Math.max(1, Math.min(cell - ox, Math.round(iw / s))), rh = Math.max(1, Math.min(cell - oy, Math.round(ih / s)));
  const part = await raw(image).extract({ left: ix, top: iy, width: iw, height: ih }).resize(rw, rh, { kernel: 'linear', fit: 'fill' }).raw().toBuffer();
  const pixels = new Uint8Array(cell * cell * 3);
  for (let y = 0; y < rh; y++) pixels.set(part.subarray(y * rw * 3, (y + 1) * rw * 3), ((oy + y) * cell + ox) * 3);
  // cell pixel (u, v) is photo (ix + (u - ox) * iw / rw, iy + (v - oy) * ih / rh)
  const scaleX = iw / rw, scaleY = ih / rh;
  return { pixels, w: cell, placement: { x: ix - ox * scaleX, y: iy - oy * scaleY, scaleX, scaleY } };
}
