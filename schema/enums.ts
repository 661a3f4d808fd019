import { registerEnumType } from 'type-graphql';
import {
  AuditOutcome, CandidateDecision, LegalBasis, OffenseCategory, OffenseLevel, QuotaPeriod, ReportAudience, ReviewOutcome, ReviewStatus, Role, Statute, StatisticsGroup, TenantStatus, ThresholdSource,
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
registerEnumType(Statute, { name: 'Statute', description: 'A statute whose yearly report the hub computes from its audit chain.' });
registerEnumType(ReportAudience, { name: 'ReportAudience', description: 'AGENCY: faces where the caller may see them; OVERSIGHT: never a face.' });
registerEnumType(ThresholdSource, { name: 'ThresholdSource', description: 'Where a search’s score threshold came from.' });

export { AuditOutcome, CandidateDecision, LegalBasis, OffenseCategory, OffenseLevel, QuotaPeriod, ReportAudience, ReviewOutcome, ReviewStatus, Role, Statute, StatisticsGroup, TenantStatus, ThresholdSource };
