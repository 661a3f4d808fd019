import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { RgbImage } from '../decode.js';
import { mid, type Detection, type FaceDetector, type Region } from './detection.js';
import { letterbox, normalize } from './letterbox.js';

// The two five-point detector families operators deploy (see ../shared/onnx/README.md):
// SCRFD (InsightFace) and YuNet (OpenCV). Both: NCHW, strides 8/16/32, letterboxed top-left.
type Point = [number, number];

interface HeadReader {
  score(i: number): number;
  box(i: number, cx: number, cy: number, stride: number): [number, number, number, number];
  kps(i: number, k: number, cx: number, cy: number, stride: number): Point;
}

function decode(
  size: number,
  anchorsPerCell: number,
  heads: (stride: number) => HeadReader,
  region: Region,
  scale: number,
  minScore: number,
): Detection[] {
  const out: Detection[] = [];
  for (const stride of [8, 16, 32]) {
    const cells = Math.ceil(size / stride);
    const h = heads(stride);
    for (let i = 0; i < cells * cells * anchorsPerCell; i++) {
      const score = h.score(i);
      if (score < minScore) continue;
      const cell = Math.floor(i / anchorsPerCell);
      const col = cell % cells, row = Math.floor(cell / cells);
      const [x1, y1, x2, y2] = h.box(i, col, row, stride);
      const p = (q: Point): Point => [region.x + q[0] * scale, region.y + q[1] * scale];
      const k = [0, 1, 2, 3, 4].map((j) => p(h.kps(i, j, col, row, stride)));
      out.push({
        box: { x: region.x + x1 * scale, y: region.y + y1 * scale, width: (x2 - x1) * scale, height: (y2 - y1) * scale },
        landmarks: { eyeL: k[0], eyeR: k[1], nose: k[2], mouthL: k[3], mouthR: k[4], mouth: mid(k[3], k[4]) },
        score,
      });
    }
  }
  return out;
}

export function scrfd(inputName: string, size = 640): FaceDetector {
  return {
    inputSize: size,
    async detect(session: InferenceSession, image: RgbImage, region: Region, minScore: number) {
      const { pixels, scale } = await letterbox(image, region, size);
      const input = normalize(pixels, size * size, { layout: 'nchw', bgr: false, mean: [127.5, 127.5, 127.5], std: [128, 128, 128] });
      const r = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, 3, size, size]) });
      const f = (name: string) => r[name].data as Float32Array;
      return decode(size, 2, (s) => {
        const sc = f(`score_${s}`), bb = f(`bbox_${s}`), kp = f(`kps_${s}`);
        return {
          score: (i) => sc[i],
          box: (i, cx, cy, st) => [(cx - bb[i * 4]) * st, (cy - bb[i * 4 + 1]) * st, (cx + bb[i * 4 + 2]) * st, (cy + bb[i * 4 + 3]) * st],
          kps: (i, k, cx, cy, st) => [(cx + kp[i * 10 + k * 2]) * st, (cy + kp[i * 10 + k * 2 + 1]) * st],
        };
      }, region, scale, minScore);
    },
  };
}

export function yunet(inputName: string, size = 640): FaceDetector {
  return {
    inputSize: size,
    async detect(session: InferenceSession, image: RgbImage, region: Region, minScore: number) {
      const { pixels, scale } = await letterbox(image, region, size);
      const input = normalize(pixels, size * size, { layout: 'nchw', bgr: true, mean: [0, 0, 0], std: [1, 1, 1] });
      const r = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, 3, size, size]) });
      const f = (name: string) => r[name].data as Float32Array;
      return decode(size, 1, (s) => {
        const cls = f(`cls_${s}`), obj = f(`obj_${s}`), bb = f(`bbox_${s}`), kp = f(`kps_${s}`);
        return {
          score: (i) => Math.sqrt(Math.max(0, cls[i] * obj[i])),
          box: (i, cx, cy, st) => {
            const x = (bb[i * 4] + cx) * st, y = (bb[i * 4 + 1] + cy) * st;
            const w = Math.exp(bb[i * 4 + 2]) * st, h = Math.exp(bb[i * 4 + 3]) * st;
            return [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
          },
          kps: (i, k, cx, cy, st) => [(kp[i * 10 + k * 2] + cx) * st, (kp[i * 10 + k * 2 + 1] + cy) * st],
        };
      }, region, scale, minScore);
    },
  };
}
