// jest runs each suite in its own realm; onnxruntime-node's native outputs are typed arrays of the
// outer realm and fail ORT's `instanceof Float32Array` checks there. Share the constructors.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArrayEnvironment;
