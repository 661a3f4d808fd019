import sharp from 'sharp';
import { DomainError } from '../../tenants/shared/errors.js';
import type { ProbeEditor, ProbeEditStep } from '../../tenants/shared/ports.js';

// a hand-placed face box is searched with this much of the photo around it, as a detector's box would be
const FACE_BOX_MARGIN = 0.5;

const bad = (i: number, problem: string) => new DomainError('BAD_USER_INPUT', `Edit step ${i + 1}: ${problem}.`, { step: i + 1 });

/** Probe edits with sharp: each step decodes the previous result (EXIF orientation applied first) and writes a lossless PNG. */
export const sharpProbeEditor: ProbeEditor = {
  async apply(original, steps) {
    let img: Buffer = await sharp(original).rotate().png().toBuffer().catch(() => {
      throw new DomainError('BAD_USER_INPUT', 'The probe photo could not be decoded for editing.');
    });
    for (const [i, s] of steps.entries()) img = await applyStep(img, s, i);
    return img;
  },
  // baseline (not progressive) JPEG, 4:2:0, sRGB: what a PDF's DCTDecode and pdf-lib embed as they are
  print: (image, max) => sharp(image).rotate().resize({ width: max, height: max, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).toColourspace('srgb').jpeg({ quality: 85, progressive: false, chromaSubsampling: '4:2:0' }).toBuffer(),
};

async function applyStep(img: Buffer, s: ProbeEditStep, i: number): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(img).metadata();
  switch (s.kind) {
    case 'CROP':
    case 'FACE_BOX': {
      const box = [s.x, s.y, s.width, s.height];
      if (box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw bad(i, `${s.kind} needs x, y, width and height in pixels`);
      let [x, y, w, h] = box as number[];
      if (w < 16 || h < 16) throw bad(i, 'a box must be at least 16 pixels wide and high');
      if (s.kind === 'FACE_BOX') [x, y, w, h] = [x - w * FACE_BOX_MARGIN, y - h * FACE_BOX_MARGIN, w * (1 + 2 * FACE_BOX_MARGIN), h * (1 + 2 * FACE_BOX_MARGIN)];
      const left = Math.max(0, Math.round(x));
      const top = Math.max(0, Math.round(y));
      const right = Math.min(width, Math.round(x + w));
      const bottom = Math.min(height, Math.round(y + h));
      if (right - left < 16 || bottom - top < 16) throw bad(i, `the box lies outside the ${width}x${height} image`);
      return sharp(img).extract({ left, top, width: right - left, height: bottom - top }).png().toBuffer();
    }
    case 'ROTATE': {
      const d = s.degrees;
      if (typeof d !== 'number' || !Number.isFinite(d) || Math.abs(d) > 360) throw bad(i, 'ROTATE needs degrees between -360 and 360');
      return sharp(img).rotate(d, { background: { r: 0, g: 0, b: 0, alpha: 1 } }).png().toBuffer();
    }
    case 'BRIGHTNESS_CONTRAST': {
      const b = s.brightness ?? 1;
      const c = s.contrast ?? 1;
      if (!(b >= 0.2 && b <= 5) || !(c >= 0.2 && c <= 5)) throw bad(i, 'brightness and contrast are factors from 0.2 to 5 (1: unchanged)');
      // contrast around mid-grey, then brightness as a multiplier
      return sharp(img).linear(c, 128 * (1 - c)).modulate({ brightness: b }).png().toBuffer();
    }
    default:
      throw bad(i, `unknown kind '${String((s as { kind: unknown }).kind)}'`);
  }
}
