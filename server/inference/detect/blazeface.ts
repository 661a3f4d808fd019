import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { RgbImage } from '../decode.js';
import { sigmoid, type Detection, type FaceDetector, type Region } from './detection.js';
import { letterbox, normalize } from './letterbox.js';

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

export const blazeface: FaceDetector = {
  inputSize: SIZE,
  async detect(session: InferenceSession, image: RgbImage, region: Region, minScore: number): Promise<Detection[]> {
    const { pixels, scale } = await letterbox(image, region, SIZE);
    const input = normalize(pixels, SIZE * SIZE, { layout: 'nhwc', bgr: false, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] });
    const r = await session.run({ input: new ort.Tensor('float32', input, [1, SIZE, SIZE, 3]) });
    const logits = [...(r.output0.data as Float32Array), ...(r.output1.data as Float32Array)];
    const reg = [r.output2.data as Float32Array, r.output3.data as Float32Array];
    const out: Detection[] = [];
    for (let i = 0; i < ANCHORS.length; i++) {
      const score = sigmoid(logits[i]);
      if (score < minScore) continue;
      const [head, k] = i < 512 ? [reg[0], i] : [reg[1], i - 512];
      const v = head.subarray(k * 16, k * 16 + 16);
      const [ax, ay] = ANCHORS[i];
      const at = (dx: number, dy: number): [number, number] => [region.x + (ax + dx) * scale, region.y + (ay + dy) * scale];
      const [cx, cy] = at(v[0], v[1]);
      const w = v[2] * scale, h = v[3] * scale;
      const kp = [0, 1, 2, 3].map((j) => at(v[4 + j * 2], v[5 + j * 2]));
      out.push({
        box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h },
        landmarks: { eyeL: kp[0], eyeR: kp[1], nose: kp[2], mouth: kp[3] },
        score,
      });
    }
    return out;
  },
};

