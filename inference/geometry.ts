export type Point = [number, number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A 2x3 affine matrix [a, b, tx, c, d, ty]: x' = a*x + b*y + tx, y' = c*x + d*y + ty. */
export type Affine = [number, number, number, number, number, number];

/** Least-squares similarity transform (Umeyama, no reflection) taking `from` onto `to`. */
export function similarityTransform(from: Point[], to: Point[]): Affine {
  const n = from.length;
  let mx = 0, my = 0, ux = 0, uy = 0;
  for (let i = 0; i < n; i++) {
    mx += from[i][0] / n;
    my += from[i][1] / n;
    ux += to[i][0] / n;
    uy += to[i][1] / n;
  }
  let sxx = 0, sxy = 0, varFrom = 0;
  for (let i = 0; i < n; i++) {
    const ax = from[i][0] - mx, ay = from[i][1] - my;
    const bx = to[i][0] - ux, by = to[i][1] - uy;
    sxx += ax * bx + ay * by;
    sxy += ax * by - ay * bx;
    varFrom += ax * ax + ay * ay;
  }
  const a = sxx / varFrom;
  const b = sxy / varFrom;
  return [a, -b, ux - (a * mx - b * my), b, a, uy - (b * mx + a * my)];
}

export function invertAffine([a, b, tx, c, d, ty]: Affine): Affine {
  const det = a * d - b * c;
  return [d / det, -b / det, (b * ty - d * tx) / det, -c / det, a / det, (c * tx - a * ty) / det];
}

/**
 * Warps an interleaved RGB image into size x size by the affine mapping output -> source pixels (bilinear).
 * Pixels outside the image read as black. The same arithmetic per pixel, in the same order, as
 * bilinear sampling written plainly (so chips, hence embeddings, do not move), but: the inside test
 * on the source coordinate itself (integer truncation instead of Math.floor there), and for an
 * axis-aligned map (the landmark net's crops) each column's and row's sample positions computed once;
 * and Math.round(v) written as the Uint8Array's truncation of v + ROUND_UP (see there).
 */
/**
 * The largest double below 0.5. For every double v in [0, 255.5), the truncation of v + ROUND_UP (what
 * storing it in a Uint8Array does) is Math.round(v): the sum, rounded to a double, reaches the next
 * integer only when v is at or above the half (ties round up, as Math.round's do; the one double
 * whose sum with 0.5 would round up, 0.5 - 2^-54, is this constant). A bilinear sample of bytes lies
 * in [0, 255] but for a few ulps, so the chip is the same to the bit, at under half the time.
 */
export const ROUND_UP = 0.49999999999999994;

export function warpAffine(src: Buffer | Uint8Array, width: number, height: number, toSource: Affine, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const [a, b, tx, c, d, ty] = toSource;
  const stride = width * 3, xMax = width - 1, yMax = height - 1;
  if (b === 0 && c === 0) {
    axisAligned(src, width, height, a, tx, d, ty, size, out);
    return out;
  }
  let o = 0;
  for (let y = 0; y < size; y++) {
    const by = b * y, dy = d * y;
    for (let x = 0; x < size; x++, o += 3) {
      const sx = a * x + by + tx;
      const sy = c * x + dy + ty;
      if (sx >= 0 && sy >= 0 && sx < xMax && sy < yMax) {
        const x0 = sx | 0, y0 = sy | 0;
        const fx = sx - x0, fy = sy - y0, gx = 1 - fx, gy = 1 - fy;
        const i = y0 * stride + x0 * 3, j = i + stride;
        out[o] = (src[i] * gx + src[i + 3] * fx) * gy + (src[j] * gx + src[j + 3] * fx) * fy + ROUND_UP;
        out[o + 1] = (src[i + 1] * gx + src[i + 4] * fx) * gy + (src[j + 1] * gx + src[j + 4] * fx) * fy + ROUND_UP;
        out[o + 2] = (src[i + 2] * gx + src[i + 5] * fx) * gy + (src[j + 2] * gx + src[j + 5] * fx) * fy + ROUND_UP;
      } else if (sx >= -1 && sy >= -1 && sx < width && sy < height) {
        edgePixel(src, width, height, sx, sy, out, o);
      }
    }
  }
  return out;
}

/** x' = a*x + tx, y' = d*y + ty: sample positions per column and per row, reused across the square. */
function axisAligned(src: Buffer | Uint8Array, width: number, height: number, a: number, tx: number, d: number, ty: number, size: number, out: Uint8Array): void {
  const stride = width * 3;
  const col = new Int32Array(size), fxs = new Float64Array(size), inX = new Uint8Array(size);
  const sxs = new Float64Array(size);
  for (let x = 0; x < size; x++) {
    // `+ 0` is the general form's b*y term: kept so that the sums are the general form's to the bit
    const sx = a * x + 0 + tx;
    sxs[x] = sx;
    inX[x] = sx >= 0 && sx < width - 1 ? 1 : 0;
    col[x] = (sx | 0) * 3;
    fxs[x] = sx - (sx | 0);
  }
  let o = 0;
  for (let y = 0; y < size; y++) {
    const sy = 0 * 0 + d * y + ty;
    if (!(sy >= 0 && sy < height - 1)) {
      if (sy >= -1 && sy < height) for (let x = 0; x < size; x++) if (sxs[x] >= -1 && sxs[x] < width) edgePixel(src, width, height, sxs[x], sy, out, o + x * 3);
      o += size * 3;
      continue;
    }
    const y0 = sy | 0, fy = sy - y0, gy = 1 - fy, row = y0 * stride;
    for (let x = 0; x < size; x++, o += 3) {
      if (!inX[x]) {
        if (sxs[x] >= -1 && sxs[x] < width) edgePixel(src, width, height, sxs[x], sy, out, o);
        continue;
      }
      const fx = fxs[x], gx = 1 - fx;
      const i = row + col[x], j = i + stride;
      out[o] = (src[i] * gx + src[i + 3] * fx) * gy + (src[j] * gx + src[j + 3] * fx) * fy + ROUND_UP;
      out[o + 1] = (src[i + 1] * gx + src[i + 4] * fx) * gy + (src[j + 1] * gx + src[j + 4] * fx) * fy + ROUND_UP;
      out[o + 2] = (src[i + 2] * gx + src[i + 5] * fx) * gy + (src[j + 2] * gx + src[j + 5] * fx) * fy + ROUND_UP;
    }
  }
}

/** A sample whose 2x2 neighbourhood is partly outside the image: the outside reads as black. */
function edgePixel(src: Buffer | Uint8Array, width: number, height: number, sx: number, sy: number, out: Uint8Array, o: number): void {
  const x0 = Math.floor(sx), y0 = Math.floor(sy);
  const fx = sx - x0, fy = sy - y0, gx = 1 - fx, gy = 1 - fy;
  const at = (xx: number, yy: number, ch: number) => (xx < 0 || yy < 0 || xx >= width || yy >= height ? 0 : src[(yy * width + xx) * 3 + ch]);
  for (let ch = 0; ch < 3; ch++) {
    const top = at(x0, y0, ch) * gx + at(x0 + 1, y0, ch) * fx;
    const bottom = at(x0, y0 + 1, ch) * gx + at(x0 + 1, y0 + 1, ch) * fx;
    out[o + ch] = Math.round(top * gy + bottom * fy);
  }
}

export function iou(p: Box, q: Box): number {
  const x1 = Math.max(p.x, q.x), y1 = Math.max(p.y, q.y);
  const x2 = Math.min(p.x + p.width, q.x + q.width), y2 = Math.min(p.y + p.height, q.y + q.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter / (p.width * p.height + q.width * q.height - inter);
}
