import { InferenceError } from './errors.js';

// What makes a vector usable as a face's template, checked where embeddings are made (the engine)
// and where the hub receives them (server/engine/face-embedder.ts): a zero or NaN vector has no direction,
// and a template of one makes every later search of its gallery fail.

/** how far from length 1 an embedding may be (float32 rounding over thousands of dimensions stays far below it) */
const UNIT_TOLERANCE = 1e-3;

/** Why `v` cannot be an embedding of a `dim`-dimensional model (finite values, unit length), or undefined when it can. */
export function embeddingFault(v: unknown, dim: number): string | undefined {
  if (!(v instanceof Float32Array)) return 'no embedding';
  if (v.length !== dim) return `${v.length} dimensions where the model has ${dim}`;
  let sum = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) return 'a value that is not a finite number';
    sum += x * x;
  }
  if (sum === 0) return 'a zero vector';
  const length = Math.sqrt(sum);
  if (Math.abs(length - 1) > UNIT_TOLERANCE) return `length ${length.toPrecision(4)} where it must be 1`;
  return undefined;
}

/**
 * The recognizer's raw output made unit length in place (after subtracting the pack's population
 * mean, when it has one). A vector without length (zero or not finite) is refused, never passed on.
 */
export function unitLength(v: Float32Array, centre?: number[]): Float32Array {
  if (centre) for (let i = 0; i < v.length; i++) v[i] -= centre[i];
  let sum = 0;
  for (const x of v) sum += x * x;
  const length = Math.sqrt(sum);
  if (!(length > 0) || !Number.isFinite(length)) {
    throw new InferenceError('MODEL_UNAVAILABLE', `The face model produced an embedding without a direction (${length === 0 ? 'all zeros' : 'not finite'}): the model pack is broken or does not fit this pipeline. Nothing was stored; an operator should check the pack (npx frhub models add <dir> --check-only).`);
  }
  for (let i = 0; i < v.length; i++) v[i] /= length;
  return v;
}
