import type { AuditService } from '../tenants/audit/audit.service.js';
import type { CalibrationService } from '../tenants/calibration/calibration.service.js';
import type { CalibrationJob } from '../tenants/calibration/calibration-job.js';
import type { AccountabilityService } from '../tenants/oversight/accountability.service.js';
import type { SessionService } from '../tenants/directory/session.service.js';
import type { PrincipalService } from '../tenants/directory/principal.service.js';
import type { TenantService } from '../tenants/directory/tenant.service.js';
import type { GalleryService } from '../tenants/galleries/gallery.service.js';
import type { RecordsService } from '../tenants/galleries/records.service.js';
import type { OversightService } from '../tenants/oversight/oversight.service.js';
import type { GroupRatesService } from '../tenants/calibration/by-group.js';
import type { PolicyService } from '../tenants/legal-basis/policy.service.js';
import type { QuotaService } from '../tenants/quotas/quota.service.js';
import type { ReportService } from '../tenants/reports/report.service.js';
import type { ReviewService } from '../tenants/review/review.service.js';
import type { SearchService } from '../tenants/search/search.service.js';
import type { SharingService } from '../tenants/sharing/sharing.service.js';
import type { ExaminationAgreementService } from '../tenants/sharing/examination-agreement.service.js';
import type { ExaminationService } from '../tenants/requests/examination.service.js';
import type { RequestService } from '../tenants/requests/request.service.js';
import type { Actor } from '../tenants/shared/actor.js';
import { DomainError } from '../tenants/shared/errors.js';

export interface Services {
  tenants: TenantService;
  sessions: SessionService;
  principals: PrincipalService;
  galleries: GalleryService;
  records: RecordsService;
  searches: SearchService;
  policies: PolicyService;
  quotas: QuotaService;
  sharing: SharingService;
  examinationAgreements: ExaminationAgreementService;
  requests: RequestService;
  examinations: ExaminationService;
  reviews: ReviewService;
  audit: AuditService;
  oversight: OversightService;
  groupRates: GroupRatesService;
  reports: ReportService;
  calibrations: CalibrationService;
  calibrationJob: CalibrationJob;
  accountability: AccountabilityService;
  inferenceStatus(): InferenceStatusReport;
}

/** What the inference module reports of itself (the server reads it from the engine). */
export interface InferenceStatusReport {
  pack: string;
  packVersion: string;
  embeddingDim: number;
  detector: string;
  provider: string;
  fallbackReason: string | null;
  queueDepth: number;
  batches: number;
  facesEmbedded: number;
  matchThreshold: number;
}

export interface GraphQLContext {
  requestId: string;
  actor?: Actor;
  services: Services;
  maxImageBytes: number;
}

export function actorOf(ctx: GraphQLContext): Actor {
  if (!ctx.actor) throw new DomainError('UNAUTHENTICATED', 'Send a bearer token: Authorization: Bearer <token> (see `npx frhub token`).');
  return ctx.actor;
}

/**
 * A per-request loader: the keys asked for while a response is being resolved (a page of searches
 * each asking for its reviews) are loaded together, in one call of `load`, once those resolvers have run.
 */
export function loaderOf<V>(ctx: GraphQLContext, name: string, load: (keys: string[]) => Promise<Map<string, V | Error>>): (key: string) => Promise<V> {
  const own = loaders.get(ctx) ?? loaders.set(ctx, new Map()).get(ctx)!;
  if (!own.has(name)) own.set(name, batching(load));
  return own.get(name) as (key: string) => Promise<V>;
}

const loaders = new WeakMap<GraphQLContext, Map<string, (key: string) => Promise<unknown>>>();

type Waiting<V> = { resolve: (v: V) => void; reject: (e: unknown) => void };

function batching<V>(load: (keys: string[]) => Promise<Map<string, V | Error>>): (key: string) => Promise<V> {
  let pending: Map<string, Waiting<V>[]> | undefined;
  const settle = async (batch: Map<string, Waiting<V>[]>) => {
    const found = await load([...batch.keys()]).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    for (const [key, waiting] of batch) {
      const v = found instanceof Error ? found : (found.get(key) ?? new Error(`nothing was loaded for ${key}`));
      for (const w of waiting) if (v instanceof Error) w.reject(v); else w.resolve(v);
    }
  };
  return (key) =>
    new Promise<V>((resolve, reject) => {
      if (!pending) {
        const batch = (pending = new Map());
        // setImmediate, not a microtask: type-graphql may await between the items of a list
        setImmediate(() => {
          pending = undefined;
          void settle(batch);
        });
      }
      pending.set(key, [...(pending.get(key) ?? []), { resolve, reject }]);
    });
}
