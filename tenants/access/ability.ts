import { AbilityBuilder, createMongoAbility, subject as tagged, type ForcedSubject, type MongoAbility } from '@casl/ability';
import { Role } from '../../models/enums.js';
import { AGENCY_ROLES, isHubAdmin, OPERATOR_ROLES, type Actor } from '../shared/actor.js';
import { DomainError, isDenialCode } from '../shared/errors.js';
import { agencyAdminPolicy, agencyAdminTraits } from './roles/agency-admin.policy.js';
import { analystPolicy, analystTraits } from './roles/analyst.policy.js';
import { hubAdminPolicy, hubAdminTraits } from './roles/hub-admin.policy.js';
import { oversightAuditorPolicy, oversightAuditorTraits } from './roles/oversight-auditor.policy.js';
import { requesterPolicy, requesterTraits } from './roles/requester.policy.js';
import { supervisorPolicy, supervisorTraits } from './roles/supervisor.policy.js';

export type Action =
  | 'create' | 'read' | 'update' | 'enroll' | 'review' | 'approve' | 'hold' | 'revoke' | 'verify'
  // a request's steps: accept or decline (assign), work it (examine), adjudicate, release, close; the requester's withdraw, report (an outcome), export (a lead's photo)
  | 'assign' | 'examine' | 'adjudicate' | 'release' | 'close' | 'withdraw' | 'report' | 'export' | 'probe';
export type SubjectType =
  | 'Tenant' | 'Principal' | 'Gallery' | 'Search' | 'SharingAgreement' | 'Quota' | 'Policy' | 'AuditLog' | 'Statistics' | 'TransparencyReport' | 'Request' | 'ExaminationAgreement' | 'Calibration';
type Tagged<T extends SubjectType> = ForcedSubject<T> & Record<string, unknown>;
export type AppAbility = MongoAbility<[Action, SubjectType | { [K in SubjectType]: Tagged<K> }[SubjectType]]>;
export type PolicyBuilder = AbilityBuilder<AppAbility>;
export type RolePolicy = (actor: Actor, b: PolicyBuilder, now: Date) => void;
/** Which requests a role lists: its agency's own (as their requester), those its tenant serves, or both. */
export type RequestSide = 'REQUESTING' | 'SERVING' | 'BOTH';
/** What a role is beyond its rules, declared beside them in its role file. */
export interface RoleTraits {
  /** null: it lists no requests (FORBIDDEN) */
  requestSide: RequestSide | null;
}

// One permission function per role (the CASL cookbook's shape); a role without one is an error, never a default.
const POLICIES: Record<Role, RolePolicy> = {
  [Role.AGENCY_ANALYST]: analystPolicy,
  [Role.AGENCY_SUPERVISOR]: supervisorPolicy,
  [Role.AGENCY_ADMIN]: agencyAdminPolicy,
  [Role.HUB_ADMIN]: hubAdminPolicy,
  [Role.OVERSIGHT_AUDITOR]: oversightAuditorPolicy,
  [Role.AGENCY_REQUESTER]: requesterPolicy,
};

const TRAITS: Record<Role, RoleTraits> = {
  [Role.AGENCY_ANALYST]: analystTraits,
  [Role.AGENCY_SUPERVISOR]: supervisorTraits,
  [Role.AGENCY_ADMIN]: agencyAdminTraits,
  [Role.HUB_ADMIN]: hubAdminTraits,
  [Role.OVERSIGHT_AUDITOR]: oversightAuditorTraits,
  [Role.AGENCY_REQUESTER]: requesterTraits,
};

export function traitsOf(actor: Actor): RoleTraits {
  const traits = TRAITS[actor.role];
  if (!traits) throw new Error(`No traits for role '${actor.role}'`);
  return traits;
}

const built = new WeakMap<Actor, AppAbility>();

/**
 * The actor's ability, built once per actor (the server builds one actor per request, the CLI one per
 * command) at `now` of its first check; every access check goes through it, nothing else builds one.
 */
export function abilityOf(actor: Actor, now: Date): AppAbility {
  let ability = built.get(actor);
  if (!ability) built.set(actor, (ability = defineAbilityFor(actor, now)));
  return ability;
}

function defineAbilityFor(actor: Actor, now: Date): AppAbility {
  const policy = POLICIES[actor.role];
  if (!policy) throw new Error(`No policy for role '${actor.role}'`);
  const b = new AbilityBuilder<AppAbility>(createMongoAbility);
  // every role reads its own tenant and the public transparency report
  b.can('read', 'Tenant', { id: actor.tenantId });
  b.can('read', 'TransparencyReport');
  policy(actor, b, now);
  // a suspended agency completes what it owes (reviews, approvals, holds) but starts nothing new
  if (actor.tenantSuspended) b.cannot(['create', 'enroll'], ['Search', 'Gallery', 'Principal', 'SharingAgreement', 'Tenant', 'Request']).because('TENANT_SUSPENDED');
  // the operator's roles are the operator's HUB_ADMIN's to assign, and a principal holding one its to change
  if (!isHubAdmin(actor)) b.cannot(['create', 'update'], 'Principal', { role: { $in: [...OPERATOR_ROLES] } }).because(OPERATOR_ROLE);
  return b.build();
}

/**
 * Throws unless `actor` may do `action` (on `object`, when given). A denial that a rule names with
 * a reason carries that reason as its code (CERTIFICATION_REQUIRED, ...); an object of another
 * tenant the caller may not even read is NOT_FOUND, so forbidden and missing look the same.
 */
export function authorize(
  actor: Actor,
  ability: AppAbility,
  action: Action,
  type: SubjectType,
  object?: Record<string, unknown> & { id?: string; tenantId?: string },
): void {
  const target = object ? tagged(type, { ...object }) : type;
  if (ability.can(action, target)) return;
  const rule = ability.relevantRuleFor(action, target);
  if (rule?.inverted && isDenialCode(rule.reason)) throw new DomainError(rule.reason, REASON_MESSAGES[rule.reason] ?? rule.reason);
  if (rule?.inverted && rule.reason === OPERATOR_ROLE) {
    throw new DomainError('FORBIDDEN', `Only the operator's HUB_ADMIN assigns the ${String(object?.role)} role or changes a principal holding it; an agency administrator assigns ${AGENCY_ROLES.join(', ')}.`);
  }
  if (object && object.tenantId !== actor.tenantId && !ability.can('read', target)) {
    throw new DomainError('NOT_FOUND', `No ${type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} with id ${object.id ?? '?'} is visible to you.`);
  }
  // in words: a person reads it in the console ("Your role (agency analyst) may not create a sharing agreement.")
  throw new DomainError('FORBIDDEN', `Your role (${actor.role.toLowerCase().replace(/_/g, ' ')}) may not ${action} ${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}${object ? ' here' : ''}.`);
}

// an inverted rule's reason that is no denial code of its own: refused as FORBIDDEN, in these words
const OPERATOR_ROLE = 'OPERATOR_ROLE';

const REASON_MESSAGES: Record<string, string> = {
  TENANT_SUSPENDED: 'Your agency is suspended: it may read and complete reviews, but not search, enroll, or add principals or tokens; the hub operator can tell you why and what reinstates it.',
  CERTIFICATION_REQUIRED: 'Face searches need a current certification: ask your agency administrator to record your training (certifiedUntil) or renew it.',
};
