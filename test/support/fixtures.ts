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
