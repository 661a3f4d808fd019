import type { AuditService } from '../tenants/audit/audit.service.js';
import type { TenantService } from '../tenants/directory/tenant.service.js';
import type { GalleryService } from '../tenants/galleries/gallery.service.js';
import type { OversightService } from '../tenants/oversight/oversight.service.js';
import type { PolicyService } from '../tenants/policy/policy.service.js';
import type { QuotaService } from '../tenants/quotas/quota.service.js';
import type { ReviewService } from '../tenants/review/review.service.js';
import type { SearchService } from '../tenants/search/search.service.js';
import type { SharingService } from '../tenants/sharing/sharing.service.js';
import type { Actor } from '../tenants/shared/actor.js';
import { DomainError } from '../tenants/shared/errors.js';

export interface Services {
  tenants: TenantService;
  galleries: GalleryService;
  searches: SearchService;
  policies: PolicyService;
  quotas: QuotaService;
  sharing: SharingService;
  reviews: ReviewService;
  audit: AuditService;
  oversight: OversightService;
  inferenceStatus(): Record<string, unknown>;
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
