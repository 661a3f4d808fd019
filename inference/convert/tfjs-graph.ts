import { readFileSync } from 'node:fs';
import { GraphBuilder } from '../onnx/onnx-writer.js';
import { hwioToOihw, readWeights, type NamedWeight, type WeightGroup } from './tfjs-weights.js';

// Converts a TFJS graph model (NHWC) to ONNX. Feature maps are kept in NCHW inside the graph, with
// one transpose at the input and before any reshape, so every convolution maps to ONNX natively.
// Only the ops the built-in face models use are supported; anything else fails loudly.

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
interface TfAttr {
  list?: { i?: string[]; s?: string[] };
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  shape?: { dim?: { size: string }[] };
}
interface TfjsGraphModel {
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightGroup[];
}

interface Value {
  name: string;
  nchw: boolean;
  constant?: NamedWeight;
}


const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const ints = (a?: TfAttr) => (a?.list?.i ?? []).map(Number);
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

export function convertTfjsGraph(modelFile: string, outputs: string[], graphName: string): Uint8Array {
  const model = JSON.parse(readFileSync(modelFile, 'utf8')) as TfjsGraphModel;
  const weights = readWeights(modelFile, model.weightsManifest);
  const nodes = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const g = new GraphBuilder(graphName);
  const values = new Map<string, Value>();
  let inputInfo: { dims: (number | string)[] } | undefined;

  const value = (ref: string): Value => {
    const name = ref.replace(/:0$/, '');
    let v = values.get(name);
    if (!v) {
      const node = nodes.get(name);
      if (!node) throw new Error(`${modelFile}: unknown tensor ${ref}`);
      v = convertNode(node);
      values.set(name, v);
    }
    if (!v.name && v.constant) v.name = g.floats(name, v.constant.shape, Float32Array.from(v.constant.data));
    return v;
  };

  const constantOf = (ref: string): NamedWeight => {
    const name = ref.replace(/:0$/, '');
    const w = nodes.get(name)?.op === 'Const' ? weights.get(name) : undefined;
    if (!w) throw new Error(`${modelFile}: ${ref} must be a constant`);
    return w;
  };

  // per-channel constants broadcast on TF's last axis; in NCHW they must sit on axis 1.
  const operand = (ref: string, other: Value): string => {
    const c = nodes.get(ref.replace(/:0$/, ''))?.op === 'Const' ? constantOf(ref) : undefined;
    if (!c || !other.nchw || c.data.length === 1) return value(ref).name;
    return g.floats('chan', [1, c.data.length, 1, 1], Float32Array.from(c.data));
  };

  const toNhwc = (v: Value) => (v.nchw ? g.op('Transpose', [v.name], { perm: [0, 2, 3, 1] }) : v.name);

  const activation = (x: string, fused: string[]): string => {
    for (const f of fused) {
      if (f === 'BiasAdd') continue;
      if (f === 'Relu') x = g.op('Relu', [x]);
      else if (f === 'Relu6') x = g.op('Clip', [x, g.floats('zero', [], [0]), g.floats('six', [], [6])]);
      else throw new Error(`${modelFile}: unsupported fused op ${f}`);
    }
    return x;
  };

  const padding = (n: TfNode) => {
    const p = decode(n.attr?.padding?.s ?? '');
    if (p === 'SAME') return { auto_pad: 'SAME_UPPER' };
    if (p === 'VALID') return { auto_pad: 'VALID' };
    throw new Error(`${modelFile}: unsupported padding ${p} in ${n.name}`);
  };

  function convertNode(n: TfNode): Value {
    const inputs = (n.input ?? []).filter((i) => !i.startsWith('^'));
    switch (n.op) {
      case 'Const': {
        const w = weights.get(n.name);
        if (!w) throw new Error(`${modelFile}: no weights for ${n.name}`);
        return { name: '', nchw: false, constant: w }; // an initializer only once a node reads it
      }
      case 'Placeholder': {
        const dims = (n.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        inputInfo = { dims: dims.map((d, i) => (i === 0 ? 'batch' : d)) };
        return { name: g.op('Transpose', ['input'], { perm: [0, 3, 1, 2] }), nchw: true };
      }
      case 'Identity':
        return value(inputs[0]);
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case '_FusedDepthwiseConv2dNative': {
        const x = value(inputs[0]);
        const f = constantOf(inputs[1]);
        const [kh, kw, ci, co] = f.shape;
        const depthwise = n.op.includes('Depthwise');
        const w = depthwise ? depthwiseToOihw(f.data as Float32Array, f.shape) : hwioToOihw(f.data as Float32Array, f.shape);
        const oc = depthwise ? ci * co : co;
        const conv = [x.name, g.floats('w', [oc, depthwise ? 1 : ci, kh, kw], w)];
        const fused = (n.attr?.fused_ops?.list?.s ?? []).map(decode);
        if (fused[0] === 'BiasAdd') conv.push(g.floats('b', [oc], constantOf(inputs[2]).data as Float32Array));
        else if (fused.length) throw new Error(`${modelFile}: unsupported fused ops ${fused} in ${n.name}`);
        const strides = ints(n.attr?.strides).slice(1, 3);
        const dilations = ints(n.attr?.dilations).slice(1, 3);
        const y = g.op('Conv', conv, {
          kernel_shape: [kh, kw],
          strides,
          dilations: dilations.length ? dilations : [1, 1],
          group: depthwise ? ci : 1,
          ...padding(n),
        });
        return { name: activation(y, fused), nchw: true };
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'Minimum':
      case 'Maximum': {
        const isConst = (r: string) => nodes.get(r.replace(/:0$/, ''))?.op === 'Const';
        const a: Value = isConst(inputs[0]) ? { name: '', nchw: false } : value(inputs[0]);
        const b: Value = isConst(inputs[1]) ? { name: '', nchw: false } : value(inputs[1]);
        const op = { Add: 'Add', AddV2: 'Add', Sub: 'Sub', Mul: 'Mul', Minimum: 'Min', Maximum: 'Max' }[n.op]!;
        return { name: g.op(op, [operand(inputs[0], b), operand(inputs[1], a)]), nchw: a.nchw || b.nchw };
      }
      case 'Relu':
      case 'Sigmoid': {
        const x = value(inputs[0]);
        return { name: g.op(n.op, [x.name]), nchw: x.nchw };
      }
      case 'MaxPool':
      case 'AvgPool': {
        const x = value(inputs[0]);
        const y = g.op(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [x.name], {
          kernel_shape: ints(n.attr?.ksize).slice(1, 3),
          strides: ints(n.attr?.strides).slice(1, 3),
          ...padding(n),
        });
        return { name: y, nchw: true };
      }
      case 'Pad': {
        const x = value(inputs[0]);
        const p = Array.from(constantOf(inputs[1]).data);
        const axes = x.nchw ? NHWC_TO_NCHW_AXIS : [0, 1, 2, 3];
        const begin = new Array(4).fill(0);
        const end = new Array(4).fill(0);
        axes.forEach((to, from) => {
          begin[to] = p[from * 2];
          end[to] = p[from * 2 + 1];
        });
        return { name: g.op('Pad', [x.name, g.ints('pads', [...begin, ...end])]), nchw: x.nchw };
      }
      case 'Reshape': {
        const shape = Array.from(constantOf(inputs[1]).data);
        if (shape[0] === 1) shape[0] = 0; // keep the batch dimension dynamic
        return { name: g.op('Reshape', [toNhwc(value(inputs[0])), g.ints('shape', shape)]), nchw: false };
      }
      case 'Mean': {
        const x = value(inputs[0]);
        const axes = Array.from(constantOf(inputs[1]).data).map((a) => (x.nchw ? NHWC_TO_NCHW_AXIS[a] : a));
        const keep = n.attr?.keep_dims?.b ? 1 : 0;
        if (keep && x.nchw) throw new Error(`${modelFile}: Mean with keep_dims on a feature map is not supported`);
        return { name: g.op('ReduceMean', [x.name], { axes, keepdims: keep }), nchw: false };
      }
      case '_FusedMatMul':
      case 'MatMul': {
        const a = value(inputs[0]);
        const b = constantOf(inputs[1]);
        if (a.nchw || n.attr?.transpose_a?.b || n.attr?.transpose_b?.b) throw new Error(`${modelFile}: unsupported MatMul ${n.name}`);
        let y = g.op('MatMul', [a.name, g.floats('fc', b.shape, b.data as Float32Array)]);
        const fused = (n.attr?.fused_ops?.list?.s ?? []).map(decode);
        if (fused[0] === 'BiasAdd') y = g.op('Add', [y, value(inputs[2]).name]);
        else if (fused.length) throw new Error(`${modelFile}: unsupported fused ops ${fused} in ${n.name}`);
        return { name: activation(y, fused), nchw: false };
      }
      case 'Softmax':
        return { name: g.op('Softmax', [value(inputs[0]).name], { axis: -1 }), nchw: false };
      default:
        throw new Error(`${modelFile}: unsupported TF op ${n.op} (${n.name})`);
    }
  }

  const outs = outputs.map((o, i) => {
    const v = value(o);
    const name = `output${i}`;
    g.op('Identity', [v.nchw ? toNhwc(v) : v.name], undefined, name);
    return { name };
  });
  if (!inputInfo) throw new Error(`${modelFile}: no input placeholder`);
  // initializers that no kept node reads (e.g. age/gender heads) are dropped by only visiting outputs.
  return g.serialize([{ name: 'input', dims: inputInfo.dims }], outs);
}

function depthwiseToOihw(w: Float32Array, [h, wd, ci, mult]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < wd; x++)
      for (let c = 0; c < ci; c++)
        for (let m = 0; m < mult; m++) out[(c * mult + m) * h * wd + y * wd + x] = w[((y * wd + x) * ci + c) * mult + m];
  return out;
}
