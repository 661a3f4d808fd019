import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

/** ../shared beside the checkout (or FRHUB_SHARED_DIR, for a checkout elsewhere): research data, present on developer machines and CI, never shipped. */
export const SHARED = process.env.FRHUB_SHARED_DIR ? resolve(process.env.FRHUB_SHARED_DIR) : resolve(__dirname, '../../../shared');
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

/** Faces of face-api's demo photos (photo number; left, top, width of the detected box): 16 people. */
const DEMO_FACES: [number, [number, number, number][]][] = [
  [1, [[1486, 257, 167], [415, 400, 203], [846, 465, 187]]],
  [2, [[1456, 190, 206], [359, 187, 208]]],
  [3, [[584, 378, 211], [1064, 255, 245], [1466, 344, 225]]],
  [4, [[1282, 204, 169], [992, 229, 178], [682, 127, 164], [243, 244, 182]]],
  [6, [[235, 529, 242], [1139, 348, 242], [1466, 315, 239], [658, 375, 249]]],
];

/** The demo photos' 16 people, each face cut at two widths: two photos of each, referenced `S<photo>-<face>` (S1-1 is portrait()'s person). */
export async function demoPeople(): Promise<{ ref: string; image: Buffer }[]> {
  const out: { ref: string; image: Buffer }[] = [];
  for (const [n, boxes] of DEMO_FACES) {
    const file = pkg(`@vladmandic/face-api/demo/sample${n}.jpg`);
    const { width, height } = await sharp(file).metadata();
    for (const [i, [x, y, w]] of boxes.entries()) {
      for (const span of [2.2, 2.8]) {
        const side = Math.round(span * w);
        const left = Math.max(0, Math.round(x + w / 2 - side / 2)), top = Math.max(0, Math.round(y + w / 2 - side / 2));
        const image = await sharp(file).extract({ left, top, width: Math.min(side, width! - left), height: Math.min(side, height! - top) }).jpeg({ quality: 92 }).toBuffer();
        out.push({ ref: `S${n}-${i}`, image });
      }
    }
  }
  return out;
}
