import type { InferenceSession } from 'onnxruntime-node';
import type { RgbImage } from '../decode.js';
import { iou, type Box, type Point } from '../geometry.js';

/**
 * Landmarks in image coordinates. eyeL/mouthL are on the image's left (the subject's right).
 * Every detector gives eyes, nose and mouth (centre); five-point detectors add the mouth corners.
 */
export interface Landmarks {
  eyeL: Point;
  eyeR: Point;
  nose: Point;
  mouth: Point;
  mouthL?: Point;
  mouthR?: Point;
}

export interface Detection {
  box: Box;
  landmarks: Landmarks;
  score: number;
}

/** A window of the image handed to a detector, in image pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceDetector {
  readonly inputSize: number;
  detect(session: InferenceSession, image: RgbImage, region: Region, minScore: number): Promise<Detection[]>;
  /** several regions in one batched run, where the model takes a batch */
  detectMany?(session: InferenceSession, image: RgbImage, regions: Region[], minScore: number): Promise<Detection[]>;
}

export function nms(detections: Detection[], iouThreshold = 0.3): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) if (kept.every((k) => iou(k.box, d.box) < iouThreshold)) kept.push(d);
  return kept;
}

export const mid = (p: Point, q: Point): Point => [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
