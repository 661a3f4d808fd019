import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INFERENCE_CONFIG, FaceEngine } from '../../inference/face-engine';
import { ARCFACE_TEMPLATE, type ModelPackManifest } from '../../inference/model-pack';
import { placeInPack } from '../support/engine';
import { describeWithShared, SHARED } from '../support/fixtures';

// The model formats operators deploy, loaded as bring-your-own packs from ../shared/onnx.
const sums = () =>
  Object.fromEntries(readFileSync(join(SHARED, 'onnx/SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/).reverse()));

function pack(id: string, detector: ModelPackManifest['detector'], recognizer: Omit<ModelPackManifest['recognizer'], 'sha256' | 'template'>): string {
  const dir = mkdtempSync(join(tmpdir(), `frhub-${id}-`));
  const s = sums();
  for (const f of [detector.file, recognizer.file]) placeInPack(join(SHARED, 'onnx', f), join(dir, f));
  const manifest: ModelPackManifest = {
    id,
    version: '1',
    description: id,
    detector: { ...detector, sha256: s[detector.file] },
    recognizer: { ...recognizer, template: ARCFACE_TEMPLATE, sha256: s[recognizer.file] },
    thresholds: { match: 0.3 },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const lfw = (name: string, n: number) => readFileSync(join(SHARED, `faces/lfw50/${name}/${name}_${String(n).padStart(4, '0')}.jpg`));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describeWithShared('bring-your-own model packs (../shared/onnx)', () => {
  const packs = () => [
    pack(
      'insightface-scrfd-w600k',
      { file: 'scrfd_500m_bnkps.onnx', format: 'scrfd', input: 'input.1', size: 640, minScore: 0.5, sha256: '' },
      { file: 'w600k_mbf_int8.onnx', input: 'input.1', output: '516', size: 112, layout: 'nchw', bgr: false, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], dim: 512 },
    ),
    pack(
      'yunet-mobilefacenet',
      { file: 'face_detection_yunet_2023mar.onnx', format: 'yunet', input: 'input', size: 640, minScore: 0.5, sha256: '' },
      { file: 'mobilefacenet_foamliu.onnx', input: 'input0', output: 'output0', size: 112, layout: 'nchw', bgr: false, mean: [0.485 * 255, 0.456 * 255, 0.406 * 255], std: [0.229 * 255, 0.224 * 255, 0.225 * 255], dim: 128, maxBatch: 1 },
    ),
  ];

  it.each([0, 1])('pack %#: five keypoints, and the same person scores above a different one', async (i) => {
    const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, pack: packs()[i], provider: 'cpu' });
    try {
      const [a, b, c] = await Promise.all([lfw('Colin_Farrell', 1), lfw('Colin_Farrell', 2), lfw('Bill_Clinton', 1)].map((img) => engine.analyze(img, { select: 'dominant' })));
      expect(a.faces[0].landmarks.mouthL).toBeDefined();
      expect(a.faces[0].embedding).toHaveLength(engine.manifest.recognizer.dim);
      expect(dot(a.faces[0].embedding!, b.faces[0].embedding!)).toBeGreaterThan(dot(a.faces[0].embedding!, c.faces[0].embedding!) + 0.2);
    } finally {
      await engine.close();
    }
  });

  it("YuNet sees a photo smaller than its input at the photo's own size: keypoints where OpenCV's dnn puts them", async () => {
    // cv2.dnn (OpenCV 4.6), the same model, lfw50/Bill_Clinton_0001 unscaled at the top-left of the 640x640
    // input, decoded as OpenCV's FaceDetectorYN does; upscaled to fill the input they moved by up to 7 px
    const opencv = [[105.87, 113.81], [150.42, 111.85], [130.02, 139.45], [111.71, 158.48], [149.1, 155.94]];
    const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, pack: packs()[1], provider: 'cpu' });
    try {
      const { landmarks: l } = (await engine.analyze(lfw('Bill_Clinton', 1), { select: 'prominent', embed: false })).faces[0];
      [l.eyeL, l.eyeR, l.nose, l.mouthL!, l.mouthR!].forEach((p, i) => expect(Math.hypot(p[0] - opencv[i][0], p[1] - opencv[i][1])).toBeLessThan(0.05));
    } finally {
      await engine.close();
    }
  });

  it('the most prominent face is the one the photo is of: centred, over a larger one at the edge', async () => {
    const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, pack: packs()[1], provider: 'cpu' });
    try {
      const photo = readFileSync(join(SHARED, 'faces/lfw-devtest/Wendy_Selig/Wendy_Selig_0001.jpg'));
      const centre = (b: { x: number; y: number; width: number; height: number }) => Math.hypot(b.x + b.width / 2 - 125, b.y + b.height / 2 - 125);
      const all = (await engine.analyze(photo, { select: 'all', embed: false })).faces;
      expect(all).toHaveLength(2);
      const [near, far] = [...all].sort((a, b) => centre(a.box) - centre(b.box));
      expect(far.box.width).toBeGreaterThan(near.box.width);
      const chosen = (await engine.analyze(photo, { select: 'prominent', embed: false })).faces[0];
      expect(centre(chosen.box)).toBeLessThan(20);
    } finally {
      await engine.close();
    }
  });

  it('a model file that does not match its checksum is MODEL_UNAVAILABLE', async () => {
    const dir = packs()[0];
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.recognizer.sha256 = '0'.repeat(64);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, pack: dir, provider: 'cpu' })).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
  });
});

describeWithShared('built-in pack on real-world photos (../shared/faces/deepface)', () => {
  it('every photo yields a face', async () => {
    const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, provider: 'cpu' });
    const root = join(SHARED, 'faces/deepface');
    const missing: string[] = [];
    for (const person of readdirSync(root))
      for (const f of readdirSync(join(root, person))) {
        const a = await engine.analyze(readFileSync(join(root, person, f)), { select: 'all', embed: false }).catch(() => undefined);
        if (!a?.faces.length) missing.push(`${person}/${f}`);
      }
    await engine.close();
    expect(missing).toEqual([]);
  });
});
