#!/usr/bin/env bash
# An independent tester's run, as one script: run it from the repository root while `npm start` runs.
# The operator creates a sandbox tenant and its two people; the tester enrolls their own labelled
# photos into the sandbox's gallery, searches one through the same pipeline as any agency, and reads
# the pack's error rates by group on those photos. FRHUB_URL (default http://localhost:4000) names
# the hub; FRHUB_DATA_DIR must be the hub's data directory (default ./data), where its signing key lives.
# The photos here are cut from the demo photos an npm package ships, and their labels are
# placeholders (alternating), not anyone's real demographics: a tester brings their own of both.
set -euo pipefail
url="${FRHUB_URL:-http://localhost:4000}/graphql"
slug="${SANDBOX_SLUG:-tester-lab}"
. "$(dirname "$0")/lib.sh"

echo "== the tester's photos: 16 people, two photos each, labelled in labels.tsv"
node -e '
  const sharp = require("sharp");
  const [dir] = process.argv.slice(1);
  const faces = [[1, [[1486, 257, 167], [415, 400, 203], [846, 465, 187]]], [2, [[1456, 190, 206], [359, 187, 208]]], [3, [[584, 378, 211], [1064, 255, 245], [1466, 344, 225]]],
    [4, [[1282, 204, 169], [992, 229, 178], [682, 127, 164], [243, 244, 182]]], [6, [[235, 529, 242], [1139, 348, 242], [1466, 315, 239], [658, 375, 249]]]];
  const labels = [];
  (async () => {
    let k = 0;
    for (const [n, boxes] of faces) {
      const file = `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`;
      const { width, height } = await sharp(file).metadata();
      for (const [i, [x, y, w]] of boxes.entries()) {
        const ref = `P${n}-${i}`;
        labels.push(`${ref}\t${k++ % 2 ? "FEMALE" : "MALE"}`);
        for (const [j, span] of [2.2, 2.8].entries()) {
          const side = Math.round(span * w), left = Math.max(0, Math.round(x + w / 2 - side / 2)), top = Math.max(0, Math.round(y + w / 2 - side / 2));
          await sharp(file).extract({ left, top, width: Math.min(side, width - left), height: Math.min(side, height - top) }).jpeg({ quality: 92 }).toFile(`${dir}/${ref}-${j}.jpg`);
        }
      }
    }
    require("fs").writeFileSync(`${dir}/labels.tsv`, labels.join("\n") + "\n");
  })().catch((e) => { console.error(e.message); process.exit(1); });' "$work"

echo "== the operator creates the sandbox tenant (apart from every real gallery, for good) and the tester's two people"
frhub tenants create --slug "$slug" --name "Independent tester" --sandbox
ADMIN=$(frhub token --tenant hub --role HUB_ADMIN)
gql "$ADMIN" 'mutation($s: String!) { createPrincipal(input: {tenantSlug: $s, name: "Tester (administrator)", role: AGENCY_ADMIN}) { id } }' "{\"s\":\"$slug\"}"
TESTER_ADMIN=$(frhub token --tenant "$slug" --subject "$(field data.createPrincipal.id)")
gql "$ADMIN" 'mutation($s: String!) { createPrincipal(input: {tenantSlug: $s, name: "Tester (searcher)", role: AGENCY_ANALYST, certifiedUntil: "2099-12-31T00:00:00Z"}) { id } }' "{\"s\":\"$slug\"}"
TESTER=$(frhub token --tenant "$slug" --subject "$(field data.createPrincipal.id)")

echo "== the tester's gallery keeps the label they measure by (SEX here), and takes their photos with it"
gql "$TESTER_ADMIN" 'mutation { createGallery(input: {name: "Test set"}) { id } }'
GALLERY=$(field data.createGallery.id)
gql "$TESTER_ADMIN" 'mutation($g: ID!) { updateGallery(input: {galleryId: $g, demographicFields: [SEX]}) { id demographicFields } }' "{\"g\":\"$GALLERY\"}"
while IFS=$'\t' read -r ref label; do
  for j in 0 1; do
    upload "$TESTER_ADMIN" 'mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { subjectRef created } }' \
      "{\"galleryId\":\"$GALLERY\",\"subjectRef\":\"$ref\",\"sex\":\"$label\",\"image\":null}" "$work/$ref-$j.jpg"
  done
done < "$work/labels.tsv"

echo "== the tester searches one of their photos: the same pipeline, audited, charged to the sandbox's own quota, and only the sandbox's galleries searched"
upload "$TESTER" 'mutation($input: SearchFacesInput!) { searchFaces(input: $input) { id galleriesSearched candidates { rank score subjectRef estimatedFalseMatchRate } } }' \
  '{"legalBasis":"VICTIM_ID","caseNumber":"TEST-1","maxCandidates":3,"image":null}' "$work/P2-0-1.jpg"

echo "== the pack's error rates by group on the tester's photos, at the operating threshold"
gql "$TESTER_ADMIN" 'query($g: ID!) { galleryRatesByGroup(galleryId: $g, by: SEX) { kept threshold templatesRead groups { group people photos impostorPairs falseMatches falseMatchRate falseMatchRateInterval { low high } genuinePairs genuinePeople falseNonMatches falseNonMatchRate falseNonMatchRateInterval { low high } tooSmall warning } } }' "{\"g\":\"$GALLERY\"}"
echo "independent-test: done gallery=$GALLERY"
