import { invertAffine, ROUND_UP, similarityTransform, warpAffine, type Affine, type Point } from '../../inference/geometry';
import { ARCFACE_TEMPLATE } from '../../inference/model-pack';

const FIVE = ['eyeL', 'eyeR', 'nose', 'mouthL', 'mouthR'] as const;
const template = FIVE.map((k) => ARCFACE_TEMPLATE[k]!);
const apply = ([a, b, tx, c, d, ty]: Affine, [x, y]: Point): Point => [a * x + b * y + tx, c * x + d * y + ty];

describe('alignment geometry', () => {
  it('recovers a similarity transform exactly from points it moved', () => {
    const angle = 0.3, scale = 1.7;
    const truth: Affine = [scale * Math.cos(angle), -scale * Math.sin(angle), 12.5, scale * Math.sin(angle), scale * Math.cos(angle), -40.25];
    const from = template.map((p) => apply(truth, p));
    const fitted = similarityTransform(template, from);
    fitted.forEach((v, i) => expect(v).toBeCloseTo(truth[i], 9));
  });

  it("fits five YuNet keypoints onto the ArcFace template as OpenCV's estimateAffinePartial2D does when all five are inliers", () => {
    // keypoints of lfw50/Albert_Costa_0001 (YuNet at the photo's size) and the matrix OpenCV 4.6 returned
    // for them: cv2.estimateAffinePartial2D(kps, template, method=cv2.LMEDS), inliers [1 1 1 1 1]
    const kps: Point[] = [
      [108.7964859008789, 116.73080444335938],
      [144.18954467773438, 115.08158874511719],
      [121.27351379394531, 137.76026916503906],
      [114.76415252685547, 159.01231384277344],
      [145.27755737304688, 155.69879150390625],
    ];
    const opencv: Affine = [0.9606108219481688, -0.07207035905047998, -55.97385481180221, 0.07207035905047998, 0.9606108219481688, -68.7081610855721];
    const fitted = similarityTransform(kps, template);
    fitted.forEach((v, i) => expect(v).toBeCloseTo(opencv[i], 4));
  });

  it("samples as OpenCV's warpAffine (bilinear, pixel centres on integers, black outside) to within one grey level", () => {
    const src = new Uint8Array(6 * 6 * 3);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) src.set([x * 40, y * 40, (x * y * 7) % 256], (y * 6 + x) * 3);
    // cv2.warpAffine(img, [[0.8,-0.3,1.2],[0.3,0.8,0.4]], (4,4), INTER_LINEAR | WARP_INVERSE_MAP, BORDER_CONSTANT 0)
    const opencv = [48, 16, 3, 80, 28, 10, 113, 40, 20, 144, 53, 33, 36, 48, 8, 68, 60, 18, 100, 73, 32, 133, 84, 49, 24, 80, 8, 56, 93, 23, 88, 104, 40, 120, 116, 61, 13, 113, 6, 44, 124, 24, 76, 136, 45, 108, 148, 69];
    const out = warpAffine(src, 6, 6, [0.8, -0.3, 1.2, 0.3, 0.8, 0.4], 4);
    Array.from(out).forEach((v, i) => expect(Math.abs(v - opencv[i])).toBeLessThanOrEqual(1));
  });

  it('inverts an affine map', () => {
    const m: Affine = [0.9, -0.2, 5, 0.2, 0.9, -3];
    const p: Point = [17, 42];
    const back = apply(invertAffine(m), apply(m, p));
    expect(back[0]).toBeCloseTo(p[0], 9);
    expect(back[1]).toBeCloseTo(p[1], 9);
  });
});

describe('the warp computes what bilinear sampling written plainly computes, to the bit', () => {
  // the reference: every pixel through Math.floor and the four neighbours, black outside
  const plain = (src: Uint8Array, w: number, h: number, [a, b, tx, c, d, ty]: Affine, size: number) => {
    const out = new Uint8Array(size * size * 3);
    const at = (x: number, y: number, ch: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : src[(y * w + x) * 3 + ch]);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const sx = a * x + b * y + tx, sy = c * x + d * y + ty;
        const x0 = Math.floor(sx), y0 = Math.floor(sy);
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
        const fx = sx - x0, fy = sy - y0, gx = 1 - fx, gy = 1 - fy;
        for (let ch = 0; ch < 3; ch++)
          out[(y * size + x) * 3 + ch] = Math.round((at(x0, y0, ch) * gx + at(x0 + 1, y0, ch) * fx) * gy + (at(x0, y0 + 1, ch) * gx + at(x0 + 1, y0 + 1, ch) * fx) * fy);
      }
    return out;
  };
  const w = 97, h = 61;
  const src = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24);
  let seed = 3;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const maps: [string, Affine][] = [];
  for (let k = 0; k < 40; k++) {
    const s = 0.2 + rnd() * 2, angle = rnd() - 0.5, x = (rnd() - 0.4) * w, y = (rnd() - 0.4) * h;
    maps.push([`axis-aligned ${k}`, [s, 0, x, 0, s, y]], [`turned ${k}`, [s * Math.cos(angle), -s * Math.sin(angle), x, s * Math.sin(angle), s * Math.cos(angle), y]]);
  }
  maps.push(['half a pixel off each edge', [1, 0, -0.5, 0, 1, -0.5]], ['past the far corner', [1, 0, w - 10.5, 0, 1, h - 7.25]]);

  it.each(maps)('%s', (_, m) => {
    expect(Buffer.from(warpAffine(src, w, h, m, 24)).equals(Buffer.from(plain(src, w, h, m, 24)))).toBe(true);
  });

  it('rounds as Math.round does where a byte is written: at each half, the doubles on either side, and the largest below 0.5', () => {
    const below = (v: number) => v - Math.max(Number.EPSILON * v, Number.MIN_VALUE);
    const values = [0, Number.MIN_VALUE, 0.25, ROUND_UP, 0.5, 254.99999999999997, 255];
    // a bilinear sample of bytes lies in [0, 255] but for a few ulps of rounding
    for (let k = 0; k < 256; k++) for (const v of [k + 0.5, below(k + 0.5), (k + 0.5) * (1 + Number.EPSILON), below(k + 1), k]) if (v < 255.5) values.push(v);
    const written = new Uint8Array(values.length);
    values.forEach((v, i) => (written[i] = v + ROUND_UP));
    expect(Array.from(written)).toEqual(values.map((v) => Math.round(v)));
  });
});
