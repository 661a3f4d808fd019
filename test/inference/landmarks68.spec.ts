import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { cropOf, dlibMeanFace, landmarks68, runLandmarkNet } from '../../inference/align/landmarks68';
import { ensureBuiltinPack } from '../../inference/builtin-packs';
import { decodeImage, type RgbImage } from '../../inference/decode';
import { DEFAULT_INFERENCE_CONFIG, FaceEngine, type Analysis } from '../../inference/face-engine';
import { similarityTransform, type Box, type Point } from '../../inference/geometry';
import type { ModelPackManifest } from '../../inference/model-pack';
import { portrait, sampleImage } from '../support/fixtures';

// The default pack's landmark stage on photos npm ships: face-api's own 68 points on the same crop,
// and dlib's chip fitted to them.
const modelDir = resolve(__dirname, '../../data/models');
const faceApiModels = join(__dirname, '../../node_modules/@vladmandic/face-api/model');

describe('68-point landmark stage (builtin-dlib)', () => {
  let engine: FaceEngine;
  let session: ort.InferenceSession;
  let spec: NonNullable<ModelPackManifest['landmarks']>;
  let image: RgbImage;
  let box: Box;
  let points: Point[];
  beforeAll(async () => {
    engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, modelDir, provider: 'cpu' });
    spec = engine.manifest.landmarks!;
    session = await ort.InferenceSession.create(readFileSync(join(ensureBuiltinPack(modelDir, 'builtin-dlib'), spec.file)));
    const photo = await portrait();
    image = await decodeImage(photo);
    const [face] = (await engine.analyze(photo, { select: 'prominent', embed: false })).faces;
    // a whole-pixel square, so face-api's integer crop below is exactly the stage's crop
    const side = Math.round(Math.max(face.box.width, face.box.height));
    box = { x: Math.round(face.box.x), y: Math.round(face.box.y), width: side, height: side };
    [points] = await landmarks68(session, { ...spec, expand: 1, refine: undefined }, image, [box]);
  });
  afterAll(async () => {
    await session.release();
    await engine.close();
  });

  it('the pack names its landmark net, and dlib\'s chip: landmarks 17-67 onto the mean face, 150 px, padding 0.25', () => {
    expect(spec.file).toBe('face-landmark68.onnx');
    expect(spec.firstPoint).toBe(17);
    expect(spec.template).toEqual(dlibMeanFace(150, 0.25));
    expect(spec.template).toHaveLength(51);
  });

  it("finds the points face-api's own tfjs pipeline finds on the same crop", async () => {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    await faceapi.tf.setBackend('cpu');
    await faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiModels);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(image.height);
    const whole = faceapi.tf.tensor3d(Uint8Array.from(image.data), [image.height, image.width, 3], 'int32');
    const crop = faceapi.tf.slice3d(whole, [box.y, box.x, 0], [box.height, box.width, 3]);
    const ref: { positions: { x: number; y: number }[] } = await faceapi.nets.faceLandmark68Net.detectLandmarks(crop);
    expect(ref.positions).toHaveLength(68);
    const worst = Math.max(...ref.positions.map((p, i) => Math.hypot(p.x + box.x - points[i][0], p.y + box.y - points[i][1])));
    expect(worst).toBeLessThan(0.5); // pixels of a face ~200 px wide
  });

  it("puts the points in dlib's order: the fit onto dlib's mean face leaves small residuals, eyes where the detector saw them", async () => {
    const used = points.slice(spec.firstPoint);
    const [a, b, tx, c, d, ty] = similarityTransform(used, spec.template);
    const residuals = used.map(([x, y], i) => Math.hypot(a * x + b * y + tx - spec.template[i][0], c * x + d * y + ty - spec.template[i][1])).sort((p, q) => p - q);
    expect(residuals[residuals.length >> 1]).toBeLessThan(5); // chip pixels of 150 (3.3 here, a posed face); points out of order leave tens
    const [face] = (await engine.analyze(await portrait(), { select: 'prominent', embed: false })).faces;
    const centre = (from: number): Point => [0, 1].map((k) => points.slice(from, from + 6).reduce((s, p) => s + p[k], 0) / 6) as Point;
    expect(Math.hypot(centre(36)[0] - face.landmarks.eyeL[0], centre(36)[1] - face.landmarks.eyeL[1])).toBeLessThan(0.08 * box.width);
    expect(Math.hypot(centre(42)[0] - face.landmarks.eyeR[0], centre(42)[1] - face.landmarks.eyeR[1])).toBeLessThan(0.08 * box.width);
  });

  it('crops the square face-api crops, widened by the pack\'s expand', () => {
    expect(cropOf({ x: 10, y: 20, width: 100, height: 80 }, 1.2)).toEqual({ x: 0, y: 0, width: 120, height: 120 });
  });

  it('the same face, alone and in its group photo, embeds alike on the landmark chip', async () => {
    const alone = (await engine.analyze(await portrait(), { select: 'prominent' })).faces[0].embedding!;
    const group = (await engine.analyze(sampleImage(1), { select: 'all' })).faces;
    const scores = group.map((f) => f.embedding!.reduce((s, v, i) => s + v * alone[i], 0)).sort((p, q) => q - p);
    expect(scores[0]).toBeGreaterThan(0.97);
    expect(scores[1]).toBeLessThan(engine.manifest.thresholds.match);
  });

  it('runs the net through the micro-batcher: photos in flight together share its runs, one per look, and get the points they get alone', async () => {
    // a wait no test could sit through: the batches run because every photo in flight waits on them
    const patient = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, modelDir, provider: 'cpu', batch: { maxBatch: 32, maxWaitMs: 600_000, maxQueue: 256 } });
    try {
      const photos = [sampleImage(1), await portrait()];
      const alone: Analysis[] = [];
      for (const p of photos) alone.push(await patient.analyze(p, { select: 'all' }));
      const net = patient['landmarkSession']!;
      const runs = jest.spyOn(net, 'run');
      const together = await Promise.all(photos.map((p) => patient.analyze(p, { select: 'all' })));
      expect(runs.mock.calls.map(([feeds]) => (feeds[spec.input] as ort.Tensor).dims[0])).toEqual([4, 4]); // 3 + 1 faces, first look and second
      together.forEach((a, i) => expect(a.faces.map((f) => Array.from(f.embedding!))).toEqual(alone[i].faces.map((f) => Array.from(f.embedding!))));
      runs.mockRestore();
    } finally {
      await patient.close();
    }
  });

  it('with fromBox, looks once, at a square predicted from the box, near where the second look of two lands', async () => {
    let looks = 0;
    const counted = (inputs: Float32Array[]) => (looks++, runLandmarkNet(session, spec, inputs));
    const two = (await landmarks68(counted, spec, image, [box]))[0];
    expect(looks).toBe(2);
    const one = (await landmarks68(counted, { ...spec, fromBox: { dx: -0.0132, dy: 0.0522, side: 1.218 } }, image, [box]))[0];
    expect(looks).toBe(3);
    const apart = one.map((p, i) => Math.hypot(p[0] - two[i][0], p[1] - two[i][1])).sort((p, q) => p - q);
    expect(apart[apart.length >> 1]).toBeLessThan(0.03 * box.width);
  });
});
