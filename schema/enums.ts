import { registerEnumType } from 'type-graphql';
import {
  AuditOutcome, CandidateDecision, LegalBasis, OffenseCategory, OffenseLevel, QuotaPeriod, RemovalReason, ReviewOutcome, ReviewStatus, Role, StatisticsGroup, TenantStatus, ThresholdSource,
} from '../models/enums.js';

registerEnumType(Role, { name: 'Role', description: 'A principal’s role; one per principal.' });
registerEnumType(LegalBasis, { name: 'LegalBasis', description: 'The declared lawful reason for a search (docs/policy-notes.md).' });
registerEnumType(OffenseCategory, { name: 'OffenseCategory' });
registerEnumType(OffenseLevel, { name: 'OffenseLevel', description: 'Seriousness rungs for a policy’s offense threshold.' });
registerEnumType(TenantStatus, { name: 'TenantStatus' });
registerEnumType(QuotaPeriod, { name: 'QuotaPeriod' });
registerEnumType(ReviewOutcome, { name: 'ReviewOutcome', description: 'A reviewer’s conclusion: a search yields leads, never identifications.' });
registerEnumType(CandidateDecision, { name: 'CandidateDecision' });
registerEnumType(ReviewStatus, { name: 'ReviewStatus' });
registerEnumType(StatisticsGroup, { name: 'StatisticsGroup' });
registerEnumType(AuditOutcome, { name: 'AuditOutcome', description: 'What an audited decision came to: ALLOWED, DENIED (a refusal of what the caller may do) or FAILED (bad input, an unusable photo, an error).' });
registerEnumType(RemovalReason, { name: 'RemovalReason', description: 'Why an enrolled subject or photo is removed: EXPUNGED (expunged or sealed), DISMISSED, ACQUITTED, ERROR (enrolled in error), DUPLICATE, RETENTION (past the owner’s retention).' });
registerEnumType(ThresholdSource, { name: 'ThresholdSource', description: 'Where a search’s score threshold came from.' });

export { AuditOutcome, CandidateDecision, LegalBasis, OffenseCategory, OffenseLevel, QuotaPeriod, RemovalReason, ReviewOutcome, ReviewStatus, Role, StatisticsGroup, TenantStatus, ThresholdSource };
