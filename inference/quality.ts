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
  parts: { size: number; detector: number; sharpness: number; pose: number };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function assessQuality(landmarks: Landmarks, detectorScore: number, chip: Uint8Array, size: number): FaceQuality {
  const [lx, ly] = landmarks.eyeL;
  const [rx, ry] = landmarks.eyeR;
  const interEyePx = Math.hypot(rx - lx, ry - ly);
  const rollDeg = (Math.atan2(ry - ly, rx - lx) * 180) / Math.PI;
  // nose offset from the eye midpoint, along the eye line, relative to half the eye distance
  const ux = (rx - lx) / interEyePx, uy = (ry - ly) / interEyePx;
  const along = (landmarks.nose[0] - (lx + rx) / 2) * ux + (landmarks.nose[1] - (ly + ry) / 2) * uy;
  const yawDeg = (Math.asin(clamp01(Math.abs(along) / (interEyePx / 2)) * 0.999) * 180) / Math.PI * Math.sign(along);
  const sharpness = laplacianVariance(chip, size);
  const parts = {
    size: clamp01(interEyePx / 40),
    detector: clamp01(detectorScore),
    sharpness: clamp01(sharpness / 150),
    pose: clamp01(1 - Math.abs(yawDeg) / 90),
  };
  const vals = Object.values(parts);
  const score = Math.exp(vals.reduce((s, v) => s + Math.log(Math.max(v, 1e-3)), 0) / vals.length);
  return { score, interEyePx, detectorScore, sharpness, yawDeg, rollDeg, parts };
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
