import type { Db } from '../../models/db.js';
import { calibrationPort } from '../engine/face-embedder.js';
import { type ScoreCalibration } from '../../inference/calibration.js';
import { ratesByGroup } from '../../inference/group-rates.js';
import { CalibrationService, type ActivePackCalibration } from '../../tenants/calibration/calibration.service.js';
import { CalibrationJob, type JobLog } from '../../tenants/calibration/calibration-job.js';
import { GallerySampleService } from '../../tenants/calibration/gallery-sample.service.js';
import { GroupRatesService } from '../../tenants/calibration/by-group.js';
import { AccountabilityService } from '../../tenants/oversight/accountability.service.js';
import { galleryMeasurer } from '../engine/calibration-measurer.js';
import { FaceCropRepository } from '../../models/face-crop.repository.js';
import type { ImageKeyRing } from '../../models/face-image-cipher.js';
import type { Services } from '../../schema/context.js';
import { AuditTrail, type AuditFailureHook } from '../../tenants/audit/audit-trail.js';
import { AuditService } from '../../tenants/audit/audit.service.js';
import { PrincipalService } from '../../tenants/directory/principal.service.js';
import { SessionService } from '../../tenants/directory/session.service.js';
import { TenantService } from '../../tenants/directory/tenant.service.js';
import { GalleryService } from '../../tenants/galleries/gallery.service.js';
import { RecordsService } from '../../tenants/galleries/records.service.js';
import { PolicyService } from '../../tenants/legal-basis/policy.service.js';
import { OversightService } from '../../tenants/oversight/oversight.service.js';
import { QuotaService } from '../../tenants/quotas/quota.service.js';
import type { ModelDescriber } from '../../tenants/reports/report-case.js';
import { ReportService } from '../../tenants/reports/report.service.js';
import { ExaminationService } from '../../tenants/requests/examination.service.js';
import { RequestService } from '../../tenants/requests/request.service.js';
import { ReviewService } from '../../tenants/review/review.service.js';
import { SearchService } from '../../tenants/search/search.service.js';
import type { Clock, ReplicaReads } from '../../tenants/shared/ports.js';
import { ExaminationAgreementService } from '../../tenants/sharing/examination-agreement.service.js';
import { SharingService } from '../../tenants/sharing/sharing.service.js';
import { mintToken, type SigningKeys } from '../auth/hub-tokens.js';
import type { Config } from '../config.js';
import type { EngineEmbedder } from '../engine/face-embedder.js';
import { sharpProbeEditor } from '../engine/probe-editor.js';
import { documentSigner } from '../reports/report-signer.js';

/** The services, wired once: every capability shares one database, clock and audit trail. */
export function wireServices(
  db: Db, embedder: EngineEmbedder, keys: SigningKeys, imageKeys: ImageKeyRing, config: Config, clock: Clock, onAuditFailure?: AuditFailureHook, reads?: ReplicaReads,
  models: ModelDescriber = { describe: () => undefined, calibration: (v) => (v === embedder.modelVersion ? embedder.calibration : undefined) },
  jobLog: JobLog = () => {},
): Services & { trail: AuditTrail } {
  // kept face crops are sealed and opened with the image keys wherever they are written or read
  const crops = new FaceCropRepository(imageKeys);
  const trail = new AuditTrail(db, clock, undefined, onAuditFailure);
  const shipped = embedder.shipped;
  const calibrations = new CalibrationService(db, clock, trail, (data) => calibrationPort(data as unknown as ScoreCalibration), {
    modelVersion: embedder.modelVersion, packId: shipped.packId, packVersion: shipped.packVersion, matchThreshold: embedder.matchThreshold,
    shipped: shipped.calibration as unknown as ActivePackCalibration['shipped'],
  });
  // a lead report names the calibration each search recorded, and reads its rates from it
  const described: ModelDescriber = { ...models, describe: (v) => models.describe(v), calibration: (v) => models.calibration(v), recorded: (tx, id) => calibrations.byId(tx, id) };
  // measured in this process on the active pack's embeddings at its verification threshold
  const groupRates = new GroupRatesService(db, clock, trail, { get modelVersion() { return embedder.modelVersion; }, get threshold() { return embedder.matchThreshold; }, measure: ratesByGroup });
  const policies = new PolicyService(db, clock, trail);
  const quotas = new QuotaService(db, clock, trail);
  const sharing = new SharingService(db, clock, trail);
  const requests = new RequestService(db, clock, trail, crops);
  const examinations = new ExaminationService(db, clock, trail, requests, sharpProbeEditor, crops);
  const tokens = {
    async issue(o: { tenantSlug: string; principalId: string; ttlSeconds: number }) {
      const token = await mintToken(keys, { tenant: o.tenantSlug, principalId: o.principalId, ttlSeconds: o.ttlSeconds });
      return { token, expiresAt: new Date(clock.now().getTime() + o.ttlSeconds * 1000) };
    },
  };
  return {
    trail,
    tenants: new TenantService(db, clock, trail, policies, quotas, { monthlyQuota: config.defaultMonthlyQuota }, tokens),
    sessions: new SessionService(db, clock, trail),
    principals: new PrincipalService(db, clock, trail),
    galleries: new GalleryService(db, embedder, clock, trail, crops),
    records: new RecordsService(db, clock, trail),
    searches: new SearchService(db, embedder, clock, trail, quotas, crops, { targetFpir: config.targetFpir, binaryWalkAbove: config.binaryWalkAbove, examinations, calibrations }, reads),
    policies,
    quotas,
    sharing,
    examinationAgreements: new ExaminationAgreementService(db, clock, trail),
    requests,
    examinations,
    reviews: new ReviewService(db, clock, trail),
    audit: new AuditService(db, clock, trail),
    oversight: new OversightService(db, clock, trail, { describe: (v) => models.describe(v), activeModelVersion: embedder.modelVersion }),
    groupRates,
    reports: new ReportService(db, clock, trail, documentSigner(keys), described, crops, sharpProbeEditor),
    calibrations,
    calibrationJob: new CalibrationJob(db, clock, trail, calibrations, new GallerySampleService(db, trail), galleryMeasurer({ id: shipped.packId, version: shipped.packVersion }, () => clock.now()), {
      maxTemplates: config.calibrationMaxTemplates, maxSeconds: config.calibrationMaxSeconds, galleries: config.calibrationGalleries,
    }, jobLog),
    // rates by group: the galleries' demographic fields, where their owners keep any
    accountability: new AccountabilityService(db, clock, trail, calibrations, { describe: (v) => models.describe(v), activeModelVersion: embedder.modelVersion }, groupRates),
    inferenceStatus: () => ({ ...embedder.status() }),
  };
}
