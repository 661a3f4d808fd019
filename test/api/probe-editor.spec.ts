import sharp from 'sharp';
import { sharpProbeEditor } from '../../server/engine/probe-editor';
import { DomainError } from '../../tenants/shared/errors';
import { bookingPhoto } from '../support/fixtures';

// Probe edits are applied to the original, step by step, with sharp: what each step does to the
// pixels, and the refusals of a step that cannot apply.
describe('probe edits', () => {
  let original: Buffer;
  const size = async (b: Buffer) => {
    const m = await sharp(b).metadata();
    return [m.width, m.height];
  };
  const mean = async (b: Buffer) => (await sharp(b).stats()).channels.slice(0, 3).reduce((a, c) => a + c.mean, 0) / 3;

  beforeAll(async () => {
    original = await bookingPhoto('BK-1001'); // 480 x 560
  });

  it('crops, rotates and chains steps in order; the original is left as it was', async () => {
    const copy = Buffer.from(original);
    expect(await size(await sharpProbeEditor.apply(original, [{ kind: 'CROP', x: 40, y: 60, width: 200, height: 300 }]))).toEqual([200, 300]);
    expect(await size(await sharpProbeEditor.apply(original, [{ kind: 'ROTATE', degrees: 90 }]))).toEqual([560, 480]);
    expect(await size(await sharpProbeEditor.apply(original, [{ kind: 'ROTATE', degrees: 90 }, { kind: 'CROP', x: 0, y: 0, width: 500, height: 100 }]))).toEqual([500, 100]);
    expect(original.equals(copy)).toBe(true);
  });

  it('brightens and darkens; a face box keeps a margin around the face and stays inside the photo', async () => {
    const base = await mean(await sharpProbeEditor.apply(original, [{ kind: 'BRIGHTNESS_CONTRAST', brightness: 1, contrast: 1 }]));
    expect(await mean(await sharpProbeEditor.apply(original, [{ kind: 'BRIGHTNESS_CONTRAST', brightness: 1.5 }]))).toBeGreaterThan(base + 10);
    expect(await mean(await sharpProbeEditor.apply(original, [{ kind: 'BRIGHTNESS_CONTRAST', brightness: 0.5 }]))).toBeLessThan(base - 10);
    expect(await size(await sharpProbeEditor.apply(original, [{ kind: 'FACE_BOX', x: 140, y: 160, width: 200, height: 200 }]))).toEqual([400, 400]);
    // near the corner: the margin is cut at the photo's edge
    expect(await size(await sharpProbeEditor.apply(original, [{ kind: 'FACE_BOX', x: 0, y: 0, width: 100, height: 100 }]))).toEqual([150, 150]);
  });

  it.each([
    ['a crop without its box', [{ kind: 'CROP' as const, x: 1 }], /needs x, y, width and height/],
    ['a crop outside the photo', [{ kind: 'CROP' as const, x: 5000, y: 5000, width: 100, height: 100 }], /outside the 480x560 image/],
    ['a tiny box', [{ kind: 'CROP' as const, x: 0, y: 0, width: 4, height: 4 }], /at least 16 pixels/],
    ['a rotation without degrees', [{ kind: 'ROTATE' as const }], /degrees/],
    ['a brightness of 0', [{ kind: 'BRIGHTNESS_CONTRAST' as const, brightness: 0 }], /factors from 0.2 to 5/],
  ])('refuses %s with BAD_USER_INPUT naming the step', async (_what, steps, message) => {
    const e = await sharpProbeEditor.apply(original, steps).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('BAD_USER_INPUT');
    expect((e as DomainError).message).toMatch(/^Edit step 1: /);
    expect((e as DomainError).message).toMatch(message);
  });
});
