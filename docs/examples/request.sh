#!/usr/bin/env bash
# A request's whole life as one script: run it from the repository root while `npm start` runs.
# The operator creates an agency with no examiners of its own, an examination agreement and the
# people; the agency's officer submits a request; an operator examiner edits the probe, searches and
# finds the person; a second examiner verifies blind; the lead is released; the officer records an
# arrest. FRHUB_URL (default http://localhost:4000) names the hub; FRHUB_DATA_DIR must be the hub's
# data directory (default ./data), where its signing key lives.
set -euo pipefail
url="${FRHUB_URL:-http://localhost:4000}/graphql"
slug="${REQUEST_AGENCY:-valley-pd}"
. "$(dirname "$0")/lib.sh"

echo "== booking photos of three people, and a store camera's photo of one of them (turned sideways), cut from a photo an npm package ships"
node -e '
  const sharp = require("sharp");
  const src = "node_modules/@vladmandic/face-api/demo/sample1.jpg";
  const [dir] = process.argv.slice(1);
  const boxes = { "BK-1001": [300, 180, 480, 560], "BK-1002": [700, 330, 560, 560], "BK-1003": [1260, 120, 560, 560] };
  Promise.all([
    ...Object.entries(boxes).map(([ref, [left, top, width, height]]) => sharp(src).extract({ left, top, width, height }).jpeg().toFile(`${dir}/${ref}.jpg`)),
    sharp(src).extract({ left: 700, top: 330, width: 560, height: 560 }).resize(392).modulate({ brightness: 1.15 }).rotate(-90).jpeg({ quality: 75 }).toFile(`${dir}/probe.jpg`),
  ]).catch((e) => { console.error(e.message); process.exit(1); });' "$work"

echo "== the operator enrolls the bookings, creates the agency, the agreement and the people"
ADMIN=$(frhub token --tenant hub --role HUB_ADMIN)
gql "$ADMIN" "mutation { createGallery(input: {name: \"County bookings for $slug\"}) { id } }"
GALLERY=$(field data.createGallery.id)
for ref in BK-1001 BK-1002 BK-1003; do
  upload "$ADMIN" 'mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId created } }' \
    "{\"galleryId\":\"$GALLERY\",\"subjectRef\":\"$ref\",\"image\":null}" "$work/$ref.jpg"
done
gql "$ADMIN" 'mutation($s: String!) { createTenant(input: {slug: $s, name: "Valley PD"}) { id slug } }' "{\"s\":\"$slug\"}"
gql "$ADMIN" 'mutation($s: String!) { createExaminationAgreement(input: {servingTenantSlug: "hub", requestingTenantSlug: $s, legalBases: [CRIMINAL_SUSPECT_ID], expiresAt: "2099-12-31T00:00:00Z"}) { id legalBases expiresAt } }' "{\"s\":\"$slug\"}"
gql "$ADMIN" 'mutation($s: String!) { createPrincipal(input: {tenantSlug: $s, name: "Det. Ana Ruiz", role: AGENCY_REQUESTER}) { id } }' "{\"s\":\"$slug\"}"
REQUESTER_ID=$(field data.createPrincipal.id)
gql "$ADMIN" 'mutation { createPrincipal(input: {tenantSlug: "hub", name: "Examiner Kim", role: AGENCY_ANALYST, certifiedUntil: "2099-12-31T00:00:00Z"}) { id } }'
EXAMINER_ID=$(field data.createPrincipal.id)
gql "$ADMIN" 'mutation { createPrincipal(input: {tenantSlug: "hub", name: "Examiner Osei", role: AGENCY_ANALYST, certifiedUntil: "2099-12-31T00:00:00Z"}) { id } }'
VERIFIER_ID=$(field data.createPrincipal.id)
gql "$ADMIN" 'mutation { createPrincipal(input: {tenantSlug: "hub", name: "Sgt. Diaz", role: AGENCY_SUPERVISOR}) { id } }'
SUPERVISOR_ID=$(field data.createPrincipal.id)
REQUESTER=$(frhub token --tenant "$slug" --subject "$REQUESTER_ID")
EXAMINER=$(frhub token --tenant hub --subject "$EXAMINER_ID")
VERIFIER=$(frhub token --tenant hub --subject "$VERIFIER_ID")
SUPERVISOR=$(frhub token --tenant hub --subject "$SUPERVISOR_ID")

echo "== the agency's officer submits a request with the probe and its provenance"
upload "$REQUESTER" 'mutation($input: SubmitRequestInput!) { submitRequest(input: $input) { id status priority dueAt } }' \
  '{"servingTenantSlug":"hub","caseNumber":"VC-2026-77","offenseCategory":"ROBBERY","statuteText":"Penal Code 211, robbery","legalBasis":"CRIMINAL_SUSPECT_ID","narrative":"Store clerk robbed at knife point; the store camera filmed the suspect.","sourceKind":"CCTV","howObtained":"Exported from the store DVR by the owner","capturedAt":"2026-11-30T21:14:00Z","requestingOfficer":"Det. Ana Ruiz","approvingSupervisor":"Sgt. Lee Park","priority":"URGENT","dueAt":"2099-01-01T00:00:00Z","image":null}' \
  "$work/probe.jpg"
REQUEST=$(field data.submitRequest.id)

echo "== the operator's supervisor accepts it and assigns an examiner"
gql "$SUPERVISOR" 'mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status examinerId } }' "{\"r\":\"$REQUEST\",\"e\":\"$EXAMINER_ID\"}"

echo "== the examiner turns the probe upright (a recorded edit; the original stays) and searches with it"
gql "$EXAMINER" 'mutation($r: ID!) { editRequestProbe(input: {requestId: $r, steps: [{kind: ROTATE, degrees: 90}]}) { id version steps { kind degrees } } }' "{\"r\":\"$REQUEST\"}"
VERSION=$(field data.editRequestProbe.id)
gql "$EXAMINER" 'mutation($r: ID!, $v: ID!) { searchFaces(input: {requestId: $r, probeVersionId: $v, maxCandidates: 3, minScore: -1}) { id probeVersionId candidates { rank score subjectRef } } }' "{\"r\":\"$REQUEST\",\"v\":\"$VERSION\"}"
SEARCH=$(field data.searchFaces.id)
[ "$(field data.searchFaces.candidates.0.subjectRef)" = "BK-1002" ] || { echo "the person on the camera did not come first" >&2; exit 1; }
# a disposition for every candidate: the first a possible lead, the others excluded
DISPOSITIONS=$(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).data.searchFaces;
  console.log(JSON.stringify(s.candidates.map((c) => ({ searchId: s.id, rank: c.rank, disposition: c.rank === 1 ? "POSSIBLE_LEAD" : "EXCLUDED", reason: c.rank === 1 ? "ear shape, brow and jaw line agree" : null }))));' "$work/last.json")
gql "$EXAMINER" 'mutation($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status } }' "{\"i\":{\"requestId\":\"$REQUEST\",\"conclusion\":\"POSSIBLE_LEAD\",\"dispositions\":$DISPOSITIONS}}"

echo "== the officer follows it: nothing about a candidate shows before release"
gql "$REQUESTER" 'query($r: ID!) { request(id: $r) { status searches { id } lead { subjectRef } } }' "{\"r\":\"$REQUEST\"}"

echo "== a second examiner verifies blind: the probe and the candidates, no scores, not the first examiner's dispositions"
gql "$VERIFIER" 'mutation($r: ID!) { claimVerification(requestId: $r) { status verifierId } }' "{\"r\":\"$REQUEST\"}"
gql "$VERIFIER" 'query($r: ID!) { request(id: $r) { status examinations { role } searches { candidates { rank subjectRef score } } } }' "{\"r\":\"$REQUEST\"}"
gql "$VERIFIER" 'mutation($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status examinations { role conclusion } } }' "{\"i\":{\"requestId\":\"$REQUEST\",\"conclusion\":\"POSSIBLE_LEAD\",\"dispositions\":$DISPOSITIONS}}"

echo "== the examiner releases the lead"
gql "$EXAMINER" 'mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status lead { subjectRef banner } } }' "{\"r\":\"$REQUEST\",\"s\":\"$SEARCH\"}"

echo "== the officer reads the lead, and records the arrest"
gql "$REQUESTER" 'query($r: ID!) { request(id: $r) { status lead { subjectRef banner examinerId verifierId } } }' "{\"r\":\"$REQUEST\"}"
gql "$REQUESTER" 'mutation($r: ID!) { recordOutcome(requestId: $r, outcome: ARREST, note: "Arrested after a fingerprint on the knife matched") { status outcome history { seq action status actorRole } } }' "{\"r\":\"$REQUEST\"}"
echo "request: done id=$REQUEST"
