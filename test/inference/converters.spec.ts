import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertDlibResnet, DLIB_MEAN_RGB } from '../../inference/convert/dlib-resnet';
import { convertFaceLandmark68 } from '../../inference/convert/face-landmark68';
import { convertTfjsGraph } from '../../inference/convert/tfjs-graph';
import { SAMPLE_GROUP, sampleImage } from '../support/fixtures';

// Each converted model against its TFJS original (pure-JS @tensorflow/tfjs, CPU) on a real photo.
const human = join(__dirname, '../../node_modules/@vladmandic/human/models');
const faceApiModels = join(__dirname, '../../node_modules/@vladmandic/face-api/model');

async function rgb(size: number): Promise<Float32Array> {
  const raw = await sharp(SAMPLE_GROUP).extract({ left: 300, top: 180, width: 480, height: 480 }).resize(size, size).removeAlpha().raw().toBuffer();
  return Float32Array.from(raw);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

function toNchw(nhwc: Float32Array, size: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) out[c * size * size + i] = nhwc[i * 3 + c];
  return out;
}

describe('model conversion to ONNX matches the TFJS originals', () => {
  let tf: typeof import('@tensorflow/tfjs');
  beforeAll(async () => {
    tf = require('@tensorflow/tfjs');
    await tf.setBackend('cpu');
  });

  async function graphModel(name: string) {
    const j = JSON.parse(readFileSync(join(human, `${name}.json`), 'utf8'));
    const data = Buffer.concat(j.weightsManifest[0].paths.map((p: string) => readFileSync(join(human, p))));
    return tf.loadGraphModel(
      tf.io.fromMemory({ modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }),
    );
  }

  it('BlazeFace: all four heads', async () => {
    const outputs = ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'];
    const session = await ort.InferenceSession.create(convertTfjsGraph(join(human, 'blazeface.json'), outputs, 'blazeface'));
    const x = (await rgb(256)).map((v) => v / 127.5 - 1);
    const got = await session.run({ input: new ort.Tensor('float32', x, [1, 256, 256, 3]) });
    const ref = (await graphModel('blazeface')).execute(tf.tensor4d(x, [1, 256, 256, 3]), outputs) as import('@tensorflow/tfjs').Tensor[];
    // heads 0-1 are logits reaching |1000| on background anchors, where float32 accumulation order
    // alone moves them by ~1e-3 (relative 1e-6): compare them as the scores they become.
    const sigmoid = (a: ArrayLike<number>) => Array.from(a, (v) => 1 / (1 + Math.exp(-v)));
    for (const i of [0, 1]) expect(maxAbsDiff(sigmoid(got[`output${i}`].data as Float32Array), sigmoid(ref[i].dataSync()))).toBeLessThan(1e-3);
    for (const i of [2, 3]) expect(maxAbsDiff(got[`output${i}`].data as Float32Array, ref[i].dataSync())).toBeLessThan(1e-3);
  });

  it('faceres: the 1024-d descriptor', async () => {
    const session = await ort.InferenceSession.create(convertTfjsGraph(join(human, 'faceres.json'), ['global_pooling/Mean'], 'faceres'));
    const x = await rgb(224);
    const got = await session.run({ input: new ort.Tensor('float32', x, [1, 224, 224, 3]) });
    const ref = (await graphModel('faceres')).execute(tf.tensor4d(x, [1, 224, 224, 3]), 'global_pooling/Mean') as import('@tensorflow/tfjs').Tensor;
    expect(maxAbsDiff(got.output0.data as Float32Array, ref.dataSync())).toBeLessThan(1e-3);
  });

  it("dlib ResNet: face-api's own FaceRecognitionNet", async () => {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    await faceapi.tf.setBackend('cpu');
    await faceapi.nets.faceRecognitionNet.loadFromDisk(faceApiModels);
    const x = await rgb(150);
    const ref: Float32Array = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(faceapi.tf.tensor4d(x, [1, 150, 150, 3]));
    const session = await ort.InferenceSession.create(convertDlibResnet(join(faceApiModels, 'face_recognition_model-weights_manifest.json')));
    const normalized = toNchw(x.map((v, i) => (v - DLIB_MEAN_RGB[i % 3]) / 255), 150);
    const got = await session.run({ input: new ort.Tensor('float32', normalized, [1, 3, 150, 150]) });
    expect(ref.length).toBe(128);
    expect(maxAbsDiff(got.embedding.data as Float32Array, ref)).toBeLessThan(1e-3);
  });

  it("face-api's 68-point landmark net: its own FaceLandmark68Net on three faces in two photos", async () => {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    await faceapi.tf.setBackend('cpu');
    await faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiModels);
    const session = await ort.InferenceSession.create(convertFaceLandmark68(join(faceApiModels, 'face_landmark_68_model-weights_manifest.json')));
    const crops: [Buffer, sharp.Region][] = [
      [sampleImage(1), { left: 360, top: 260, width: 300, height: 300 }],
      [sampleImage(1), { left: 1440, top: 200, width: 260, height: 260 }],
      [sampleImage(2), { left: 330, top: 150, width: 300, height: 300 }],
    ];
    for (const [photo, region] of crops) {
      const x = Float32Array.from(await sharp(photo).extract(region).resize(112, 112).removeAlpha().raw().toBuffer());
      const ref: Float32Array = (await faceapi.nets.faceLandmark68Net.forward(faceapi.tf.tensor4d(x, [1, 112, 112, 3]))).dataSync();
      const normalized = toNchw(x.map((v, i) => (v - DLIB_MEAN_RGB[i % 3]) / 255), 112);
      const got = await session.run({ input: new ort.Tensor('float32', normalized, [1, 3, 112, 112]) });
      expect(ref.length).toBe(136);
      // fractions of the 112-px input: 1e-4 is a hundredth of a pixel
      expect(maxAbsDiff(got.landmarks.data as Float32Array, ref)).toBeLessThan(1e-4);
    }
  });
});
