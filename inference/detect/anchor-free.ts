import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { normalize } from '../tensor.js';
import { mid, type Detection, type FaceDetector } from './detection.js';
import { toImage, type Window } from './windows.js';

// The two five-point detector families operators deploy:
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
  win: Window,
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
      const k = [0, 1, 2, 3, 4].map((j) => toImage(win, ...h.kps(i, j, col, row, stride)));
      const [bx, by] = toImage(win, x1, y1);
      out.push({
        box: { x: bx, y: by, width: (x2 - x1) * win.scaleX, height: (y2 - y1) * win.scaleY },
        landmarks: { eyeL: k[0], eyeR: k[1], nose: k[2], mouthL: k[3], mouthR: k[4], mouth: mid(k[3], k[4]) },
        score,
        scale: win.scaleX,
      });
    }
  }
  return out;
}

/** One window at a time: the models operators deploy often have a fixed batch of one. */
function oneByOne(size: number, smallestFace: number, run: (session: InferenceSession, win: Window, minScore: number) => Promise<Detection[]>): FaceDetector {
  return {
    inputSize: size,
    smallestFace,
    upscale: false,
    async detect(session, windows, minScore) {
      const out: Detection[][] = [];
      for (const w of windows) out.push(await run(session, w, minScore));
      return out;
    },
  };
}

// smallestFace: 48 lfw50 faces ~40 px wide in 2000x1500 photos, tiled so they are 16 px wide: SCRFD-500M
// finds 47 and YuNet 44; at 13 px (the whole photo in one 640 window) 41 and 38.
export function scrfd(inputName: string, size = 640): FaceDetector {
  return oneByOne(size, 16, async (session, win, minScore) => {
    const input = normalize(win.pixels, size * size, { layout: 'nchw', bgr: false, mean: [127.5, 127.5, 127.5], std: [128, 128, 128] });
    const r = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, 3, size, size]) });
    const f = (name: string) => r[name].data as Float32Array;
    return decode(size, 2, (s) => {
      const sc = f(`score_${s}`), bb = f(`bbox_${s}`), kp = f(`kps_${s}`);
      return {
        score: (i) => sc[i],
        box: (i, cx, cy, st) => [(cx - bb[i * 4]) * st, (cy - bb[i * 4 + 1]) * st, (cx + bb[i * 4 + 2]) * st, (cy + bb[i * 4 + 3]) * st],
        kps: (i, k, cx, cy, st) => [(cx + kp[i * 10 + k * 2]) * st, (cy + kp[i * 10 + k * 2 + 1]) * st],
      };
    }, win, minScore);
  });
}

export function yunet(inputName: string, size = 640): FaceDetector {
  return oneByOne(size, 16, async (session, win, minScore) => {
    const input = normalize(win.pixels, size * size, { layout: 'nchw', bgr: true, mean: [0, 0, 0], std: [1, 1, 1] });
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
    }, win, minScore);
  });
}
