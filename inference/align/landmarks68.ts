import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { RgbImage } from '../decode.js';
import { warpAffine, type Box, type Point } from '../geometry.js';
import { normalize } from '../tensor.js';

// A 68-point landmark stage between detection and alignment (iBUG 300-W point order), for packs
// whose manifest names a landmark model: face-api's FaceLandmark68Net, converted by
// convert/face-landmark68.ts. Each face's box is cut out as face-api cuts it (the box, padded to a
// square with black, resized to the net's input), and the net's 136 outputs are fractions of that square.

export interface Landmark68Spec {
  file: string;
  input: string;
  output: string;
  size: number;
  mean: number[];
  std: number[];
  /** the square cut around the detector's box, as a multiple of its longer side */
  expand: number;
  /** where set, a second look at a square around the first look's points, this many times their extent */
  refine?: number;
  /**
   * where set, one look only, at the square the second look would take as predicted from the detector's
   * box: its centre moved by (dx, dy) box widths, its side `side` box widths (refine is then not used)
   */
  fromBox?: { dx: number; dy: number; side: number };
  /** the chip is a similarity fit of landmarks firstPoint.. onto these points (chip pixels) */
  firstPoint: number;
  template: Point[];
  sha256: string;
}

/** dlib's mean face: landmarks 17-67 (all but the jaw), in units of the face (dlib's get_face_chip_details). */
const DLIB_MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127,
  0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858,
  0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const DLIB_MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345,
  0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405,
  0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
  0.824182,
];
/** dlib's chip template (landmarks 0-16, the jaw line, are left out): where landmarks 17-67 go in a size x size chip with the given padding. */
export function dlibMeanFace(size: number, padding: number): Point[] {
  return DLIB_MEAN_FACE_X.map((x, i) => [((x + padding) / (1 + 2 * padding)) * size, ((DLIB_MEAN_FACE_Y[i] + padding) / (1 + 2 * padding)) * size]);
}

const square = (cx: number, cy: number, side: number): Box => ({ x: cx - side / 2, y: cy - side / 2, width: side, height: side });

/** The square a face's box is cut to for the net: centred on the box, `expand` times its longer side. */
export function cropOf(box: Box, expand: number): Box {
  return square(box.x + box.width / 2, box.y + box.height / 2, expand * Math.max(box.width, box.height));
}

function extentOf(points: Point[], expand: number): Box {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return square((x0 + x1) / 2, (y0 + y1) / 2, expand * Math.max(x1 - x0, y1 - y0));
}

/** The landmark net on a batch: one normalized size x size NCHW crop per item in, each item's 136 outputs out. */
export type LandmarkNet = (inputs: Float32Array[]) => Promise<Float32Array[]>;

/** One session run of the net over a batch of crops (what the engine's micro-batcher runs). */
export async function runLandmarkNet(session: InferenceSession, spec: Landmark68Spec, inputs: Float32Array[]): Promise<Float32Array[]> {
  if (inputs.length === 0) return [];
  const n = spec.size;
  const plane = n * n * 3;
  const batch = new Float32Array(inputs.length * plane);
  inputs.forEach((x, i) => batch.set(x, i * plane));
  const out = (await session.run({ [spec.input]: new ort.Tensor('float32', batch, [inputs.length, 3, n, n]) }))[spec.output].data as Float32Array;
  return inputs.map((_, i) => out.slice(i * 136, (i + 1) * 136));
}

/** A square crop (black beyond the photo's edge) as the net's normalized input. */
export function landmarkInput(spec: Landmark68Spec, image: RgbImage, c: Box): Float32Array {
  const n = spec.size;
  // tf.image.resizeBilinear without half-pixel centres, as face-api resizes: source = crop origin + output * scale
  const s = c.width / n;
  const chip = warpAffine(image.data, image.width, image.height, [s, 0, c.x, 0, s, c.y], n);
  return normalize(chip, n * n, { layout: 'nchw', bgr: false, mean: spec.mean, std: spec.std });
}

/** One look: the net on square crops, its outputs (fractions of each crop) as image pixels. */
async function look(net: LandmarkNet, spec: Landmark68Spec, image: RgbImage, crops: Box[]): Promise<Point[][]> {
  const out = await net(crops.map((c) => landmarkInput(spec, image, c)));
  return crops.map((c, i) => Array.from({ length: 68 }, (_, k): Point => [c.x + out[i][2 * k] * c.width, c.y + out[i][2 * k + 1] * c.height]));
}

/**
 * The 68 landmarks of each face, in image pixels. `net` is the engine's micro-batcher (the faces of
 * every photo in flight share its runs), or a session run directly.
 */
export async function landmarks68(net: LandmarkNet | InferenceSession, spec: Landmark68Spec, image: RgbImage, boxes: Box[]): Promise<Point[][]> {
  if (boxes.length === 0) return [];
  const run: LandmarkNet = typeof net === 'function' ? net : (inputs) => runLandmarkNet(net, spec, inputs);
  const p = spec.fromBox;
  if (p) return look(run, spec, image, boxes.map((b) => square(b.x + b.width * (0.5 + p.dx), b.y + b.height / 2 + b.width * p.dy, p.side * b.width)));
  let points = await look(run, spec, image, boxes.map((b) => cropOf(b, spec.expand)));
  if (spec.refine) points = await look(run, spec, image, points.map((q) => extentOf(q, spec.refine!)));
  return points;
}
