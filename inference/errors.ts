// Stable codes for everything the inference module refuses; the API maps them 1:1 to extensions.code.
export type InferenceErrorCode =
  | 'UNSUPPORTED_IMAGE'
  | 'CORRUPT_IMAGE'
  | 'IMAGE_TOO_LARGE'
  | 'NO_FACE_FOUND'
  | 'MULTIPLE_FACES'
  | 'LOW_QUALITY'
  | 'OVERLOADED'
  | 'MODEL_UNAVAILABLE';

export class InferenceError extends Error {
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}
