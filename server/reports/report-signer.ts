import type { DocumentSigner } from '../../tenants/shared/ports.js';
import type { PackDescription } from '../../tenants/reports/lead-report.js';
import type { ModelDescriber } from '../../tenants/reports/report-case.js';
import type { FaceAnalyzer } from '../../inference/face-engine.js';
import { usableCalibration } from '../../inference/calibration.js';
import type { SigningKeys } from '../auth/hub-tokens.js';
import type { EngineEmbedder } from '../engine/face-embedder.js';

const jose = () => require('jose') as typeof import('jose');

// its own JWS type, so a report's signature is never taken for a token (no issuer, no subject) nor a token for a signature
const TYP = 'frhub-lead-report+jws';

/** Lead reports signed with the hub's token keys (EdDSA): the newest key signs; every key of the set verifies, retired ones too, but never one the hub did not have. */
export function documentSigner(keys: SigningKeys): DocumentSigner {
  return {
    async sign(digest) {
      await keys.refresh();
      const kid = keys.kid;
      const jws = await new (jose().CompactSign)(new TextEncoder().encode(JSON.stringify({ sha256: digest })))
        .setProtectedHeader({ alg: 'EdDSA', typ: TYP, kid })
        .sign(keys.privateKey);
      return { alg: 'EdDSA', kid, jws };
    },
    async verify(jws) {
      const header = jose().decodeProtectedHeader(jws);
      if (header.typ !== TYP || typeof header.kid !== 'string') throw new Error('not a lead report signature of this hub');
      const key = await keys.documentKey(header.kid);
      if (!key) throw new Error(`key ${header.kid} is not one this hub holds or has retired (another hub's key, or one removed with \`frhub keys remove\`)`);
      const { payload } = await jose().compactVerify(jws, key.publicKey, { algorithms: ['EdDSA'] });
      const digest = (JSON.parse(new TextDecoder().decode(payload)) as { sha256?: unknown }).sha256;
      if (typeof digest !== 'string') throw new Error('the signature carries no digest');
      return { kid: header.kid, digest, keyStatus: key.status, ...(key.retiredAt ? { retiredAt: new Date(key.retiredAt * 1000) } : {}) };
    },
  };
}

/** The running pack, as a lead report describes it: id, version, file checksums, calibration. */
export function packDescriber(engine: Pick<FaceAnalyzer, 'manifest' | 'modelVersion'>, embedder: Pick<EngineEmbedder, 'calibration' | 'modelVersion'>): ModelDescriber {
  return {
    describe(modelVersion): PackDescription | undefined {
      if (modelVersion !== engine.modelVersion) return undefined;
      const m = engine.manifest;
      const cal = usableCalibration(m).calibration;
      return {
        modelVersion,
        id: m.id,
        version: m.version,
        files: [
          { role: 'detector', file: m.detector.file, sha256: m.detector.sha256 },
          ...(m.landmarks ? [{ role: 'landmarks', file: m.landmarks.file, sha256: m.landmarks.sha256 }] : []),
          { role: 'recognizer', file: m.recognizer.file, sha256: m.recognizer.sha256 },
        ],
        calibration: cal ? { measuredOn: cal.measuredOn, date: cal.date, people: cal.people, photos: cal.photos, impostorPairs: cal.impostor.pairs, command: cal.command,
          rates: cal.thresholds.map((t) => ({ falseMatchRate: t.fmr, threshold: t.threshold, genuineAccepted: t.genuineAccepted })),
        } : null,
      };
    },
    calibration: (modelVersion) => (modelVersion === embedder.modelVersion ? embedder.calibration : undefined),
  };
}
