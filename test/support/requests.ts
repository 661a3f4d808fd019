import { Role } from '../../models/enums';
import { BOOKING_FACES, bookingPhoto } from './fixtures';
import type { TestHub } from './hub';

// What the request specs share: the queries of a request's life, a submission, the operator's bookings.
export const REQUEST_VIEW = `id status caseNumber legalBasis examinerId verifierId outcome
  probes { id sha256 } probeVersions { id version steps { kind degrees } }
  searches { id probeVersionId candidates { searchId rank subjectRef score faceImage } }
  examinations { role conclusion dispositions { rank disposition } }
  lead { subjectRef faceImage banner examinerId verifierId }
  history { seq action outcome status actorRole principalId }`;
export const SUBMIT = `mutation($input: SubmitRequestInput!) { submitRequest(input: $input) { ${REQUEST_VIEW} } }`;
export const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id requestId probeVersionId candidates { rank subjectRef } } }`;
export const DISPOSE = `mutation($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status examinations { role } } }`;
export const submission = { caseNumber: 'VC-2026-77', offenseCategory: 'ROBBERY', statuteText: 'Penal Code 211, robbery', legalBasis: 'CRIMINAL_SUSPECT_ID',
  narrative: 'Store clerk robbed at knife point; the suspect was filmed by the store camera.', sourceKind: 'CCTV', howObtained: 'Exported from the store DVR by the owner',
  capturedAt: '2026-11-30T21:14:00Z', requestingOfficer: 'Det. Ana Ruiz', approvingSupervisor: 'Sgt. Lee Park', priority: 'URGENT', dueAt: '2099-01-01T00:00:00Z' };

/** The operator's booking gallery with the three people of the group photo, and a quota for every agency. */
export async function bookings(t: TestHub): Promise<void> {
  const admin = await t.token('hub', Role.HUB_ADMIN);
  const gallery = (await t.gql(admin, `mutation { createGallery(input: { name: "County bookings" }) { id } }`)).data.createGallery.id;
  for (const ref of Object.keys(BOOKING_FACES)) {
    const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: gallery, subjectRef: ref, imageBase64: (await bookingPhoto(ref)).toString('base64') } });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  }
}

/**
 * The walk-through's cast on a running hub: the operator's bookings, valley-pd (an agency with no
 * examiners of its own) and its officer, two operator examiners and a supervisor, and the examination
 * agreement under which the operator serves valley-pd.
 */
export async function examinationCast(t: TestHub) {
  const admin = await t.token('hub', Role.HUB_ADMIN);
  await bookings(t);
  await t.createTenant('valley-pd');
  const requester = await t.principal('valley-pd', Role.AGENCY_REQUESTER, { name: 'Det. Ana Ruiz' });
  const examiner = await t.principal('hub', Role.AGENCY_ANALYST, { name: 'Examiner Kim' });
  const verifier = await t.principal('hub', Role.AGENCY_ANALYST, { name: 'Examiner Osei' });
  const supervisor = await t.principal('hub', Role.AGENCY_SUPERVISOR, { name: 'Sgt. Diaz' });
  const agreement = await t.gql(admin, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, {
    i: { servingTenantSlug: 'hub', requestingTenantSlug: 'valley-pd', legalBases: ['CRIMINAL_SUSPECT_ID'], expiresAt: '2099-01-01T00:00:00Z' },
  });
  if (agreement.errors) throw new Error(JSON.stringify(agreement.errors));
  return { admin, requester, examiner, verifier, supervisor };
}
