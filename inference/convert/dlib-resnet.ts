import { GraphBuilder } from '../onnx/onnx-writer.js';
import { hwioToOihw, weightLookup } from './tfjs-weights.js';

// The dlib-style ResNet-29 face recognizer of face-api (public-domain weights), rebuilt as ONNX from
// the layer definitions in @vladmandic/face-api/src/faceRecognitionNet. Input: NCHW RGB 150x150,
// (x - DLIB_MEAN_RGB) / 255 as face-api feeds it; output: 128-d descriptor (not normalized).

export const DLIB_MEAN_RGB = [122.782, 117.001, 104.298];

export function convertDlibResnet(manifestFile: string): Uint8Array {
  const get = weightLookup(manifestFile);
  const g = new GraphBuilder('dlib_resnet');

  const conv = (x: string, prefix: string, stride: number, relu: boolean, same: boolean): string => {
    const f = get(`${prefix}/conv/filters`);
    const bias = get(`${prefix}/conv/bias`).data as Float32Array;
    const scale = get(`${prefix}/scale/weights`).data as Float32Array;
    const shift = get(`${prefix}/scale/biases`).data as Float32Array;
    const [kh, kw, ci, co] = f.shape;
    // (conv + bias) * scale + shift folds into one conv: weights * scale, bias * scale + shift.
    const w = hwioToOihw(f.data as Float32Array, f.shape);
    const per = ci * kh * kw;
    for (let o = 0; o < co; o++) for (let k = 0; k < per; k++) w[o * per + k] *= scale[o];
    const b = Float32Array.from(bias, (v, o) => v * scale[o] + shift[o]);
    const pad = same ? (kh - 1) / 2 : 0;
    let y = g.op('Conv', [x, g.floats(`${prefix}/w`, [co, ci, kh, kw], w), g.floats(`${prefix}/b`, [co], b)], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
    if (relu) y = g.op('Relu', [y]);
    return y;
  };

  const residual = (x: string, p: string) =>
    g.op('Relu', [g.op('Add', [conv(conv(x, `${p}/conv1`, 1, true, true), `${p}/conv2`, 1, false, true), x])]);

  // shapes tracked by hand: the down blocks pad a spatial row/column or channels with zeros.
  const residualDown = (x: string, p: string, inSize: number, inC: number): [string, number, number] => {
    let out = conv(conv(x, `${p}/conv1`, 2, true, false), `${p}/conv2`, 1, false, true);
    const outSize = Math.floor((inSize - 3) / 2) + 1;
    const outC = get(`${p}/conv2/conv/filters`).shape[3];
    let pooled = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    const poolSize = Math.floor(inSize / 2);
    if (poolSize !== outSize) out = g.op('Pad', [out, g.ints('pad', [0, 0, 0, 0, 0, 0, 1, 1])]);
    if (outC !== inC) pooled = g.op('Pad', [pooled, g.ints('pad', [0, 0, 0, 0, 0, outC - inC, 0, 0])]);
    return [g.op('Relu', [g.op('Add', [pooled, out])]), poolSize, outC];
  };

  let x = conv('input', 'conv32_down', 2, true, false); // 150 -> 72
  x = g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] }); // -> 35
  let size = 35;
  let c = 32;
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, p);
  const stages: [string, string[]][] = [
    ['conv64_down', ['conv64_1', 'conv64_2', 'conv64_3']],
    ['conv128_down', ['conv128_1', 'conv128_2']],
    ['conv256_down', ['conv256_1', 'conv256_2']],
    ['conv256_down_out', []],
  ];
  for (const [down, blocks] of stages) {
    [x, size, c] = residualDown(x, down, size, c);
    for (const p of blocks) x = residual(x, p);
  }
  const pooled = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const fc = get('fc');
  const embedding = g.op('MatMul', [pooled, g.floats('fc', fc.shape, fc.data as Float32Array)], undefined, 'embedding');
  void size;
  return g.serialize([{ name: 'input', dims: ['batch', 3, 150, 150] }], [{ name: embedding, dims: ['batch', fc.shape[1]] }]);
}
