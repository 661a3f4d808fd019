import type { Actor } from '../tenants/shared/actor.js';
import type { GalleryService } from '../tenants/galleries/gallery.service.js';
import type { SearchService } from '../tenants/search/search.service.js';
import type { TenantService } from '../tenants/directory/tenant.service.js';
import { DomainError } from '../tenants/shared/errors.js';

export interface Services {
  tenants: TenantService;
  galleries: GalleryService;
  searches: SearchService;
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
