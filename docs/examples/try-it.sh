#!/usr/bin/env bash
# The README's walk-through as one script: run it from the repository root while `npm start` runs.
# It creates an agency, its people and a gallery, enrolls a face, searches for it, reviews the
# search and reads what oversight sees. FRHUB_URL (default http://localhost:4000) names the hub;
# FRHUB_DATA_DIR must be the hub's data directory (default ./data), where its signing key lives.
set -euo pipefail
url="${FRHUB_URL:-http://localhost:4000}/graphql"
slug="${TRY_IT_AGENCY:-metro-pd}"
. "$(dirname "$0")/lib.sh"

echo "== two different photos of one person, from group photos that an npm package ships"
# the woman on the right of sample1.jpg is the one in the middle of sample3.jpg: another day, place and light
node -e '
  const sharp = require("sharp");
  const demo = "node_modules/@vladmandic/face-api/demo";
  Promise.all([
    sharp(`${demo}/sample1.jpg`).extract({ left: 1330, top: 100, width: 480, height: 520 }).jpeg().toFile(process.argv[1]),
    sharp(`${demo}/sample3.jpg`).extract({ left: 900, top: 100, width: 560, height: 620 }).jpeg().toFile(process.argv[2]),
  ]).catch((e) => { console.error(e.message); process.exit(1); });' "$work/booking.jpg" "$work/probe.jpg"

echo "== the operator creates an agency and its people"
ADMIN=$(frhub token --tenant hub --role HUB_ADMIN)
gql "$ADMIN" 'mutation($s: String!) { createTenant(input: {slug: $s, name: "Metro PD"}) { id slug } }' "{\"s\":\"$slug\"}"
gql "$ADMIN" 'mutation($s: String!) { createPrincipal(input: {tenantSlug: $s, name: "Det. Rivera", role: AGENCY_ANALYST, certifiedUntil: "2099-12-31T00:00:00Z"}) { id } }' "{\"s\":\"$slug\"}"
ANALYST_ID=$(field data.createPrincipal.id)
gql "$ADMIN" 'mutation($s: String!) { createPrincipal(input: {tenantSlug: $s, name: "Sgt. Chen", role: AGENCY_SUPERVISOR}) { id } }' "{\"s\":\"$slug\"}"
SUPERVISOR_ID=$(field data.createPrincipal.id)
gql "$ADMIN" 'mutation { createPrincipal(input: {tenantSlug: "hub", name: "County oversight board", role: OVERSIGHT_AUDITOR}) { id } }'
AUDITOR_ID=$(field data.createPrincipal.id)
gql "$ADMIN" 'query($s: String!) { tenantPolicy(tenantSlug: $s) { preset allowedBases offenseThreshold } quota(tenantSlug: $s) { used limit resetsAt } }' "{\"s\":\"$slug\"}"

echo "== the agency's administrator creates a gallery and enrolls a booking photo"
AGENCY_ADMIN=$(frhub token --tenant "$slug" --role AGENCY_ADMIN)
gql "$AGENCY_ADMIN" 'mutation { createGallery(input: {name: "Bookings"}) { id } }'
GALLERY=$(field data.createGallery.id)
upload "$AGENCY_ADMIN" 'mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId created quality } }' \
  "{\"galleryId\":\"$GALLERY\",\"subjectRef\":\"BK-1001\",\"image\":null}" "$work/booking.jpg"

echo "== the analyst searches (a case number and a legal basis are required)"
ANALYST=$(frhub token --tenant "$slug" --subject "$ANALYST_ID")
upload "$ANALYST" 'mutation($input: SearchFacesInput!) { searchFaces(input: $input) { id threshold modelVersion candidates { rank score subjectRef } notice } }' \
  '{"caseNumber":"2026-123","legalBasis":"CRIMINAL_SUSPECT_ID","offenseCategory":"ROBBERY","image":null}' "$work/probe.jpg"
SEARCH=$(field data.searchFaces.id)
[ "$(field data.searchFaces.candidates.0.subjectRef)" = "BK-1001" ] || { echo "the enrolled person did not come first" >&2; exit 1; }

echo "== the analyst and then a supervisor review the candidates: the true match is a possible lead"
# a POSSIBLE_LEAD stands once a second, different reviewer has reviewed it too
gql "$ANALYST" 'mutation($id: ID!) { reviewSearch(input: {searchId: $id, outcome: POSSIBLE_LEAD, decisions: [{rank: 1, decision: POSSIBLE_MATCH}]}) { reviewStatus reviewOutcome } }' "{\"id\":\"$SEARCH\"}"
SUPERVISOR=$(frhub token --tenant "$slug" --subject "$SUPERVISOR_ID")
gql "$SUPERVISOR" 'mutation($id: ID!) { reviewSearch(input: {searchId: $id, outcome: POSSIBLE_LEAD, decisions: [{rank: 1, decision: POSSIBLE_MATCH}]}) { reviewStatus reviewOutcome } }' "{\"id\":\"$SEARCH\"}"

echo "== oversight reads counts and checks the audit chain"
AUDITOR=$(frhub token --tenant hub --subject "$AUDITOR_ID")
gql "$AUDITOR" '{ usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [TENANT, LEGAL_BASIS]) { rows { tenant legalBasis searches denials candidates reviewedSearches } exigentApprovalsOverdue } verifyAuditChain { ok checked } }'
echo "try-it: done"
