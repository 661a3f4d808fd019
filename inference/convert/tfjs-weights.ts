import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// TFJS weight manifests: shards concatenated in order; uint8/uint16 affine or float16 quantization.
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface NamedWeight {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

function float16ToFloat32(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  const sign = s ? -1 : 1;
  if (e === 0) return sign * 2 ** -14 * (f / 1024);
  if (e === 0x1f) return f ? NaN : sign * Infinity;
  return sign * 2 ** (e - 15) * (1 + f / 1024);
}

export function readWeights(manifestFile: string, groups: WeightGroup[]): Map<string, NamedWeight> {
  const out = new Map<string, NamedWeight>();
  for (const group of groups) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dirname(manifestFile), p))));
    let offset = 0;
    for (const spec of group.weights) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization;
      let data: Float32Array | Int32Array;
      if (!q) {
        const bytes = buf.subarray(offset, offset + n * 4);
        const copy = new Uint8Array(bytes).buffer;
        data = spec.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
        offset += n * 4;
      } else if (q.dtype === 'float16') {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = float16ToFloat32(buf.readUInt16LE(offset + i * 2));
        offset += n * 2;
      } else {
        const width = q.dtype === 'uint8' ? 1 : 2;
        const f = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const v = width === 1 ? buf[offset + i] : buf.readUInt16LE(offset + i * 2);
          f[i] = v * (q.scale ?? 1) + (q.min ?? 0);
        }
        data = spec.dtype === 'int32' ? Int32Array.from(f, Math.round) : f;
        offset += n * width;
      }
      out.set(spec.name, { shape: spec.shape, dtype: spec.dtype, data });
    }
    if (offset !== buf.length) throw new Error(`${manifestFile}: read ${offset} of ${buf.length} weight bytes`);
  }
  return out;
}

/** HWIO (TF conv) -> OIHW (ONNX conv). */
export function hwioToOihw(w: Float32Array, [h, wd, i, o]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < wd; x++)
      for (let c = 0; c < i; c++)
        for (let k = 0; k < o; k++) out[((k * i + c) * h + y) * wd + x] = w[((y * wd + x) * i + c) * o + k];
  return out;
}

/** The weights of a tfjs weights manifest by name; a missing one is an error naming the file. */
export function weightLookup(manifestFile: string): (name: string) => NamedWeight {
  const weights = readWeights(manifestFile, JSON.parse(readFileSync(manifestFile, 'utf8')) as WeightGroup[]);
  return (name) => {
    const w = weights.get(name);
    if (!w) throw new Error(`${manifestFile}: missing weight ${name}`);
    return w;
  };
}
