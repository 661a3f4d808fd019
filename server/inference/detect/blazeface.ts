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

const PLANE = SIZE * SIZE * 3;

/** Decodes batch item `b` of the model's outputs into detections in image coordinates. */
function decode(r: InferenceSession.OnnxValueMapType, b: number, region: Region, scale: number, minScore: number): Detection[] {
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
}

async function input(image: RgbImage, region: Region): Promise<{ data: Float32Array; scale: number }> {
  const { pixels, scale } = await letterbox(image, region, SIZE);
  return { data: normalize(pixels, SIZE * SIZE, { layout: 'nhwc', bgr: false, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] }), scale };
}

export const blazeface: FaceDetector = {
  inputSize: SIZE,
  async detect(session, image, region, minScore) {
    const { data, scale } = await input(image, region);
    const r = await session.run({ input: new ort.Tensor('float32', data, [1, SIZE, SIZE, 3]) });
    return decode(r, 0, region, scale, minScore);
  },
  // the tiles of a large photo in one run: about half the time of one run per tile on CPU
  async detectMany(session, image, regions, minScore) {
    const inputs = await Promise.all(regions.map((region) => input(image, region)));
    const batch = new Float32Array(regions.length * PLANE);
    inputs.forEach((x, b) => batch.set(x.data, b * PLANE));
    const r = await session.run({ input: new ort.Tensor('float32', batch, [regions.length, SIZE, SIZE, 3]) });
    return regions.flatMap((region, b) => decode(r, b, region, inputs[b].scale, minScore));
  },
};
