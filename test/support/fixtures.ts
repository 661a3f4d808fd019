import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

/** ../shared beside the checkout: research data, present on developer machines and CI, never shipped. */
export const SHARED = resolve(__dirname, '../../../shared');
export const hasShared = existsSync(join(SHARED, 'faces')) && existsSync(join(SHARED, 'onnx'));

/** `describe` that skips, saying why, when ../shared is absent. */
export function describeWithShared(name: string, fn: () => void): void {
  if (hasShared) describe(name, fn);
  else
    describe(name, () => {
      it.skip(`skipped: ${SHARED} is absent (research photos and models are not shipped)`, () => {});
    });
}

const pkg = (p: string) => resolve(__dirname, '../../node_modules', p);
/** Photos that npm packages ship: a three-person group photo and others. */
export const SAMPLE_GROUP = pkg('@vladmandic/face-api/demo/sample1.jpg');
export const sampleImage = (n: number) => readFileSync(pkg(`@vladmandic/face-api/demo/sample${n}.jpg`));

/** One face cut from the group photo (the left person), as a portrait. */
export async function portrait(): Promise<Buffer> {
  return sharp(SAMPLE_GROUP).extract({ left: 300, top: 180, width: 480, height: 560 }).jpeg().toBuffer();
}

/** The three people of the group photo (left, top, width, height of a box around each face), as bookings. */
export const BOOKING_FACES: Record<string, [number, number, number, number]> = {
  'BK-1001': [300, 180, 480, 560],
  'BK-1002': [700, 330, 560, 560],
  'BK-1003': [1260, 120, 560, 560],
};

/** One booking's face cut from the group photo; `variant`: a smaller, brighter, more compressed copy, as a second photo. */
export async function bookingPhoto(ref: string, variant = false): Promise<Buffer> {
  const [left, top, width, height] = BOOKING_FACES[ref];
  let img = sharp(SAMPLE_GROUP).extract({ left, top, width, height });
  if (variant) img = img.resize(Math.round(width * 0.7)).modulate({ brightness: 1.15 });
  return img.jpeg({ quality: variant ? 75 : 92 }).toBuffer();
}
