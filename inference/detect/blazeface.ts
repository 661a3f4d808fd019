import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { normalize, type PixelNormalization } from '../tensor.js';
import { sigmoid, type Detection, type FaceDetector } from './detection.js';
import { toImage, type Window } from './windows.js';

// MediaPipe BlazeFace (back camera model, 256x256) as shipped by @vladmandic/human and converted to
// ONNX: outputs logits and 16 regressors for 512 anchors at stride 16 and 384 at stride 32.
const SIZE = 256;

function anchors(): [number, number][] {
  const out: [number, number][] = [];
  for (const [stride, perCell] of [[16, 2], [32, 6]]) {
    const cells = Math.ceil(SIZE / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++) for (let n = 0; n < perCell; n++) out.push([stride * (x + 0.5), stride * (y + 0.5)]);
  }
  return out;
}
const ANCHORS = anchors();

const PLANE = SIZE * SIZE * 3;
const MAX_BATCH = 16;
const PIXELS: PixelNormalization = { layout: 'nhwc', bgr: false, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] };

/** Decodes batch item `b` of the model's outputs into detections in image coordinates. */
function decode(r: InferenceSession.OnnxValueMapType, b: number, win: Window, minScore: number): Detection[] {
  const [l0, l1, r0, r1] = [r.output0, r.output1, r.output2, r.output3].map((t) => t.data as Float32Array);
  const logits = [l0.subarray(b * 512, (b + 1) * 512), l1.subarray(b * 384, (b + 1) * 384)];
  const reg = [r0.subarray(b * 512 * 16, (b + 1) * 512 * 16), r1.subarray(b * 384 * 16, (b + 1) * 384 * 16)];
  const out: Detection[] = [];
  for (let i = 0; i < ANCHORS.length; i++) {
    const [head, k] = i < 512 ? [0, i] : [1, i - 512];
    const score = sigmoid(logits[head][k]);
    if (score < minScore) continue;
    const v = reg[head].subarray(k * 16, k * 16 + 16);
    const [ax, ay] = ANCHORS[i];
    const at = (dx: number, dy: number) => toImage(win, ax + dx, ay + dy);
    const [cx, cy] = at(v[0], v[1]);
    const w = v[2] * win.scaleX, h = v[3] * win.scaleY;
    const kp = [0, 1, 2, 3].map((j) => at(v[4 + j * 2], v[5 + j * 2]));
    out.push({
      box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h },
      landmarks: { eyeL: kp[0], eyeR: kp[1], nose: kp[2], mouth: kp[3] },
      score,
      scale: win.scaleX,
    });
  }
  return out;
}

export const blazeface: FaceDetector = {
  inputSize: SIZE,
  // 48 lfw50 faces ~40 px wide in 2000x1500 photos, tiled so they are this wide: 12 px 48/48, 11 px 47/48, 10 px 38/48
  smallestFace: 12,
  upscale: true,
  // windows in batches: the tiles of a large photo take about half the time of one run each on CPU,
  // and a batch of at most MAX_BATCH bounds the memory a 50 MP photo's ~90 tiles would take at once
  async detect(session, windows, minScore) {
    const out: Detection[][] = [];
    for (let at = 0; at < windows.length; at += MAX_BATCH) {
      const group = windows.slice(at, at + MAX_BATCH);
      const batch = new Float32Array(group.length * PLANE);
      group.forEach((w, b) => normalize(w.pixels, SIZE * SIZE, PIXELS, batch, b * PLANE));
      const r = await session.run({ input: new ort.Tensor('float32', batch, [group.length, SIZE, SIZE, 3]) });
      group.forEach((w, b) => out.push(decode(r, b, w, minScore)));
    }
    return out;
  },
};
