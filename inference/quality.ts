import type { Landmarks } from './detect/detection.js';

export interface FaceQuality {
  /** overall in [0,1]: geometric mean of the part scores below */
  score: number;
  interEyePx: number;
  detectorScore: number;
  /** variance of the Laplacian of the aligned grey face */
  sharpness: number;
  yawDeg: number;
  rollDeg: number;
  /**
   * head tilted down (+) or up (−), estimated from where the nose sits between the eye line and the
   * mouth (5 points, no 3-D model: a guide for the examiner, not a measurement)
   */
  pitchDeg: number;
  /** mean brightness of the face, 0 (black) to 1 (white) */
  exposure: number;
  /** share of the face's pixels crushed to black or burnt to white (≤ 5 or ≥ 250 of 255) */
  clipped: number;
  /** share of the face's detected box inside the photo: under 1, the face runs off its edge */
  inFrame: number;
  parts: { size: number; detector: number; sharpness: number; pose: number };
}

/** The nose's height between the eye line and the mouth: its median over 148 lfw50 photos (3 of each person), nearly all frontal. */
export const FRONTAL_NOSE_RATIO = 0.525;
/** The nose's depth in front of the face, as a share of the eye-to-mouth height (anthropometric, rounded). */
const NOSE_DEPTH_RATIO = 0.45;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function assessQuality(
  landmarks: Landmarks,
  detectorScore: number,
  chip: Uint8Array,
  size: number,
  frame?: { box: { x: number; y: number; width: number; height: number }; width: number; height: number },
): FaceQuality {
  const [lx, ly] = landmarks.eyeL;
  const [rx, ry] = landmarks.eyeR;
  const interEyePx = Math.hypot(rx - lx, ry - ly);
  const rollDeg = (Math.atan2(ry - ly, rx - lx) * 180) / Math.PI;
  // nose offset from the eye midpoint, along the eye line, relative to half the eye distance
  const ux = (rx - lx) / interEyePx, uy = (ry - ly) / interEyePx;
  const along = (landmarks.nose[0] - (lx + rx) / 2) * ux + (landmarks.nose[1] - (ly + ry) / 2) * uy;
  const yawDeg = (Math.asin(clamp01(Math.abs(along) / (interEyePx / 2)) * 0.999) * 180) / Math.PI * Math.sign(along);
  const sharpness = laplacianVariance(chip, size);
  // the mouth's distance below the eye line; the nose's share of it, against a frontal face's
  const mx = landmarks.mouth[0] - (lx + rx) / 2, my = landmarks.mouth[1] - (ly + ry) / 2;
  const down = -uy * mx + ux * my;
  const noseDown = -uy * (landmarks.nose[0] - (lx + rx) / 2) + ux * (landmarks.nose[1] - (ly + ry) / 2);
  const ratio = down > 0 ? noseDown / down : FRONTAL_NOSE_RATIO;
  const pitchDeg = (Math.asin(Math.max(-1, Math.min(1, (ratio - FRONTAL_NOSE_RATIO) / NOSE_DEPTH_RATIO))) * 180) / Math.PI;
  const { exposure, clipped } = brightness(chip, size);
  const inFrame = frame ? boxInFrame(frame.box, frame.width, frame.height) : 1;
  const parts = {
    size: clamp01(interEyePx / 40),
    detector: clamp01(detectorScore),
    sharpness: clamp01(sharpness / 150),
    pose: clamp01(1 - Math.abs(yawDeg) / 90),
  };
  const vals = Object.values(parts);
  const score = Math.exp(vals.reduce((s, v) => s + Math.log(Math.max(v, 1e-3)), 0) / vals.length);
  return { score, interEyePx, detectorScore, sharpness, yawDeg, rollDeg, pitchDeg, exposure, clipped, inFrame, parts };
}

/** Mean brightness and the clipped share of the chip's central half (the face, not the border an alignment may leave). */
function brightness(rgb: Uint8Array, size: number): { exposure: number; clipped: number } {
  const lo = Math.floor(size / 4), hi = Math.ceil((size * 3) / 4);
  let sum = 0, clipped = 0, n = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const i = (y * size + x) * 3;
      const v = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
      sum += v;
      if (v <= 5 || v >= 250) clipped++;
      n++;
    }
  }
  return { exposure: sum / n / 255, clipped: clipped / n };
}

/** The share of the box's area that lies inside a width x height photo. */
export function boxInFrame(box: { x: number; y: number; width: number; height: number }, width: number, height: number): number {
  const w = Math.max(0, Math.min(box.x + box.width, width) - Math.max(box.x, 0));
  const h = Math.max(0, Math.min(box.y + box.height, height) - Math.max(box.y, 0));
  return box.width > 0 && box.height > 0 ? (w * h) / (box.width * box.height) : 0;
}

function laplacianVariance(rgb: Uint8Array, size: number): number {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++) grey[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  // the central half of the chip: the face, not the black border an alignment may leave
  const lo = Math.floor(size / 4), hi = Math.ceil((size * 3) / 4);
  let sum = 0, sq = 0, n = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const i = y * size + x;
      const v = grey[i - 1] + grey[i + 1] + grey[i - size] + grey[i + size] - 4 * grey[i];
      sum += v;
      sq += v * v;
      n++;
    }
  }
  return sq / n - (sum / n) ** 2;
}
