import { registerEnumType } from 'type-graphql';
import {
  AgeBand, DemographicField, SubjectEthnicity, SubjectRace, SubjectSex,
  AuditOutcome, CandidateDecision, CandidateDisposition, DeclineReason, ExaminationConclusion, ExaminationRole, LegalBasis, OffenseCategory, OffenseLevel, ProbeEditKind,
  CalibrationJobState, CalibrationSource, ProbeSourceKind, QualityFloorAction, QuotaPeriod, RemovalReason, ReportAudience, RequestOutcome, SigningKeyStatus, RequestPriority, RequestStatus, ReviewOutcome, ReviewStatus, Role, Statute, StatisticsGroup, TenantStatus, ThresholdSource,
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
registerEnumType(Statute, { name: 'Statute', description: 'A statute whose yearly report the hub computes from its audit chain.' });
registerEnumType(SigningKeyStatus, { name: 'SigningKeyStatus', description: 'How the key that signed a lead report stands in the hub\'s key set: CURRENT, PREVIOUS (rotated, still verifying tokens), RETIRED (kept only to verify what it signed).' });
registerEnumType(ReportAudience, { name: 'ReportAudience', description: 'AGENCY: faces where the caller may see them; OVERSIGHT: never a face.' });
registerEnumType(QualityFloorAction, { name: 'QualityFloorAction', description: 'What a search does with a probe under its agency’s quality floors: REFUSE (LOW_QUALITY, nothing charged) or WARN (searched; the shortfalls on the response and in its audit event).' });
registerEnumType(ThresholdSource, { name: 'ThresholdSource', description: 'Where a search’s score threshold came from.' });
registerEnumType(CalibrationJobState, { name: 'CalibrationJobState', description: 'Where the job that measures galleries’ calibrations stands.' });
registerEnumType(CalibrationSource, { name: 'CalibrationSource', description: 'Where a stored score calibration came from.' });

registerEnumType(RequestStatus, { name: 'RequestStatus', description: 'Where a request stands: SUBMITTED → ACCEPTED | DECLINED → IN_EXAMINATION → IN_VERIFICATION → (IN_ADJUDICATION →) VERIFIED → LEAD_RELEASED, or NO_LEAD → OUTCOME_RECORDED → CLOSED; WITHDRAWN by the requester before release.' });
registerEnumType(DeclineReason, { name: 'DeclineReason' });
registerEnumType(ProbeSourceKind, { name: 'ProbeSourceKind', description: 'Where a probe photo came from.' });
registerEnumType(RequestPriority, { name: 'RequestPriority' });
registerEnumType(CandidateDisposition, { name: 'CandidateDisposition', description: 'An examiner’s conclusion on one candidate of a request.' });
registerEnumType(ExaminationConclusion, { name: 'ExaminationConclusion' });
registerEnumType(ExaminationRole, { name: 'ExaminationRole' });
registerEnumType(RequestOutcome, { name: 'RequestOutcome', description: 'What the requester reports after a lead or no lead.' });
registerEnumType(ProbeEditKind, { name: 'ProbeEditKind' });
registerEnumType(DemographicField, { name: 'DemographicField', description: 'A demographic field a gallery owner may choose to keep on its subjects (none by default): kept to measure error rates by group, never searched on; oversight sees group counts only, small cells suppressed.' });
registerEnumType(SubjectSex, { name: 'SubjectSex', description: 'Sex as booking records code it (NCIC / UCR-NIBRS: F, M, U).' });
registerEnumType(SubjectRace, { name: 'SubjectRace', description: 'Race as booking records code it (UCR-NIBRS race codes I, A, B, P, W, U).' });
registerEnumType(SubjectEthnicity, { name: 'SubjectEthnicity', description: 'Ethnicity as booking records code it (UCR-NIBRS: H, N, U).' });
registerEnumType(AgeBand, { name: 'AgeBand', description: 'Age at booking, in bands.' });

export { AgeBand, DemographicField, SubjectEthnicity, SubjectRace, SubjectSex };
export {
  CandidateDisposition, DeclineReason, ExaminationConclusion, ExaminationRole, ProbeEditKind, ProbeSourceKind, RequestOutcome, RequestPriority, RequestStatus,
};
export { AuditOutcome, CalibrationJobState, CalibrationSource, CandidateDecision, LegalBasis, OffenseCategory, OffenseLevel, QualityFloorAction, QuotaPeriod, RemovalReason, ReportAudience, ReviewOutcome, SigningKeyStatus, ReviewStatus, Role, Statute, StatisticsGroup, TenantStatus, ThresholdSource };
