// A minimal ONNX (protobuf) writer: enough of onnx.proto to emit inference graphs built in code.
// Field numbers follow onnx/onnx.proto (IR version 8).

export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
type Attr = number | string | number[] | { floats: number[] } | { tensor: Tensor };

export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  raw: Uint8Array;
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, Attr>;
}

export interface ValueInfo {
  name: string;
  dims?: (number | string)[]; // absent: shape left to the runtime
  dataType?: number;
}

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (n >= 0x80n) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    this.push(Uint8Array.from(out));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5);
    this.push(b);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function writeTensor(w: Writer, t: Tensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

function writeAttr(w: Writer, name: string, v: Attr): void {
  w.string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { floats } for non-integers`);
    w.int(3, v).int(20, 2);
  } else if (typeof v === 'string') {
    w.string(4, v).int(20, 3);
  } else if (Array.isArray(v)) {
    for (const i of v) w.int(8, i);
    w.int(20, 7);
  } else if ('floats' in v) {
    if (v.floats.length === 1) w.float(2, v.floats[0]).int(20, 1);
    else {
      for (const f of v.floats) w.float(7, f);
      w.int(20, 6);
    }
  } else {
    w.message(5, (m) => writeTensor(m, v.tensor)).int(20, 4);
  }
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.int(1, v.dataType ?? DataType.FLOAT);
      if (v.dims)
        tt.message(2, (shape) => {
          for (const d of v.dims ?? []) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        });
    }),
  );
}

export function floatTensor(name: string, dims: number[], data: Float32Array | number[]): Tensor {
  const f = data instanceof Float32Array ? data : Float32Array.from(data);
  if (f.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`tensor ${name}: ${f.length} values for dims ${dims}`);
  return { name, dims, dataType: DataType.FLOAT, raw: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

export function int64Tensor(name: string, dims: number[], data: number[]): Tensor {
  const b = new BigInt64Array(data.map((x) => BigInt(x)));
  return { name, dims, dataType: DataType.INT64, raw: new Uint8Array(b.buffer) };
}

/** Collects nodes and initializers and serializes them as one ONNX model. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  fresh(prefix: string): string {
    return `${prefix}__${this.counter++}`;
  }

  constant(t: Tensor): string {
    this.initializers.push(t);
    return t.name;
  }

  floats(prefix: string, dims: number[], data: Float32Array | number[]): string {
    return this.constant(floatTensor(this.fresh(prefix), dims, data));
  }

  ints(prefix: string, data: number[]): string {
    return this.constant(int64Tensor(this.fresh(prefix), [data.length], data));
  }

  op(op: string, inputs: string[], attrs?: Record<string, Attr>, output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [out], attrs, name: this.fresh(`n_${op}`) });
    return out;
  }

  serialize(inputs: ValueInfo[], outputs: ValueInfo[], opset = 13): Uint8Array {
    const w = new Writer();
    w.int(1, 8);
    w.string(2, 'frhub-converter');
    w.string(3, '1');
    w.message(7, (g) => {
      for (const n of this.nodes) {
        g.message(1, (m) => {
          for (const i of n.inputs) m.string(1, i);
          for (const o of n.outputs) m.string(2, o);
          if (n.name) m.string(3, n.name);
          m.string(4, n.op);
          for (const [k, v] of Object.entries(n.attrs ?? {})) m.message(5, (a) => writeAttr(a, k, v));
        });
      }
      g.string(2, this.name);
      for (const t of this.initializers) g.message(5, (m) => writeTensor(m, t));
      for (const i of inputs) g.message(11, (m) => writeValueInfo(m, i));
      for (const o of outputs) g.message(12, (m) => writeValueInfo(m, o));
    });
    w.message(8, (o) => o.string(1, '').int(2, opset));
    return w.finish();
  }
}
