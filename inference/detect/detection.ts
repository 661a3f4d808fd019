import type { InferenceSession } from 'onnxruntime-node';
import { iou, type Box, type Point } from '../geometry.js';
import type { Window } from './windows.js';

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
  /** image pixels per detector-input pixel in the window it was found in: how coarse its keypoints are */
  scale: number;
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
  /**
   * The narrowest face, in input pixels, the detector still finds reliably (measured on real faces in
   * large photos; each detector notes its figures). The engine tiles a large photo so that the
   * narrowest face it promises to find (SMALLEST_FACE_PX) is at least this wide in some window.
   */
  readonly smallestFace: number;
  /**
   * Whether a photo smaller than the input is scaled up to fill it. Anchor-based detectors trained on
   * faces at their native size (YuNet, SCRFD) place keypoints worse on an upscaled photo: measured in
   * test/bench/RESULTS.md ("Bring-your-own packs").
   */
  readonly upscale: boolean;
  /**
   * Detections in image pixels from windows of inputSize x inputSize, one list per window: in one
   * batched run where the model takes a batch.
   */
  detect(session: InferenceSession, windows: Window[], minScore: number): Promise<Detection[][]>;
}

export function nms(detections: Detection[], iouThreshold = 0.3): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) if (kept.every((k) => iou(k.box, d.box) < iouThreshold)) kept.push(d);
  return kept;
}

export const mid = (p: Point, q: Point): Point => [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
