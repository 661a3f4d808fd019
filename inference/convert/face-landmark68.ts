import { GraphBuilder } from '../onnx/onnx-writer.js';
import { hwioToOihw, weightLookup } from './tfjs-weights.js';

// face-api's 68-point landmark net (MIT, @vladmandic/face-api), rebuilt as ONNX from the layer
// definitions in its src/faceFeatureExtractor and src/faceLandmarkNet: four dense blocks of
// depthwise-separable convolutions, 7x7 average pool, one fully connected layer. Input: NCHW RGB
// 112x112, (x - DLIB_MEAN_RGB) / 255 as face-api feeds it; output: 136 numbers, (x, y) of each point
// as a fraction of the (square) input.

export const LANDMARK68_SIZE = 112;

export function convertFaceLandmark68(manifestFile: string): Uint8Array {
  const get = weightLookup(manifestFile);
  const g = new GraphBuilder('face_landmark_68');
  // TF 'same' on an even input: a stride-2 3x3 pads one row/column after, none before
  const pads = (stride: number) => (stride === 2 ? [0, 0, 1, 1] : [1, 1, 1, 1]);

  const conv = (x: string, p: string, stride: number): string => {
    const f = get(`${p}/filters`);
    const [kh, kw, ci, co] = f.shape;
    const w = g.floats(`${p}/w`, [co, ci, kh, kw], hwioToOihw(f.data as Float32Array, f.shape));
    return g.op('Conv', [x, w, g.floats(`${p}/b`, [co], get(`${p}/bias`).data as Float32Array)], { kernel_shape: [kh, kw], strides: [stride, stride], pads: pads(stride) });
  };

  const separable = (x: string, p: string, stride: number): string => {
    const dw = get(`${p}/depthwise_filter`);
    const pw = get(`${p}/pointwise_filter`);
    const [kh, kw, c] = dw.shape;
    const co = pw.shape[3];
    // HWC1 -> C1HW is the HWIO -> OIHW reordering with O = 1, read as C groups of one channel
    const depth = g.op('Conv', [x, g.floats(`${p}/dw`, [c, 1, kh, kw], hwioToOihw(dw.data as Float32Array, dw.shape))], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: pads(stride),
      group: c,
    });
    const point = g.floats(`${p}/pw`, [co, c, 1, 1], hwioToOihw(pw.data as Float32Array, pw.shape));
    return g.op('Conv', [depth, point, g.floats(`${p}/b`, [co], get(`${p}/bias`).data as Float32Array)], { kernel_shape: [1, 1] });
  };

  const denseBlock = (x: string, p: string, first: boolean): string => {
    const out1 = g.op('Relu', [first ? conv(x, `${p}/conv0`, 2) : separable(x, `${p}/conv0`, 2)]);
    const out2 = separable(out1, `${p}/conv1`, 1);
    const in3 = g.op('Relu', [g.op('Add', [out1, out2])]);
    const out3 = separable(in3, `${p}/conv2`, 1);
    const sum3 = g.op('Add', [out1, g.op('Add', [out2, out3])]);
    const out4 = separable(g.op('Relu', [sum3]), `${p}/conv3`, 1);
    return g.op('Relu', [g.op('Add', [sum3, out4])]);
  };

  let x = 'input';
  for (const [i, p] of ['dense0', 'dense1', 'dense2', 'dense3'].entries()) x = denseBlock(x, p, i === 0); // 112 -> 7
  const pooled = g.op('Flatten', [g.op('AveragePool', [x], { kernel_shape: [7, 7], strides: [2, 2] })]);
  const fc = get('fc/weights');
  const out = g.op('Add', [g.op('MatMul', [pooled, g.floats('fc/w', fc.shape, fc.data as Float32Array)]), g.floats('fc/b', [fc.shape[1]], get('fc/bias').data as Float32Array)], undefined, 'landmarks');
  return g.serialize([{ name: 'input', dims: ['batch', 3, LANDMARK68_SIZE, LANDMARK68_SIZE] }], [{ name: out, dims: ['batch', fc.shape[1]] }]);
}
