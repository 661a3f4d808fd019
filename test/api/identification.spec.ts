import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role } from '../../models/enums';
import { describeWithShared, SHARED } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// Rank-1 identification over HTTP: one photo of each of 50 people enrolled, every other photo searched.
describeWithShared('rank-1 identification on ../shared/faces/lfw50', () => {
  let t: TestHub;
  afterAll(() => t?.close());

  // The hub issue's target: rank-1 >= 0.95 with the default pack (measured 0.962, README).
  it('finds the right person first in at least 95% of searches', async () => {
    t = await startHub();
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "lfw50" }) { id } }`)).data.createGallery.id;
    const analystId = (await t.gql(admin, `mutation { createPrincipal(input: { tenantSlug: "hub", name: "Examiner", role: AGENCY_ANALYST, certifiedUntil: "2030-01-01T00:00:00Z" }) { id } }`)).data.createPrincipal.id;
    const analyst = await t.token('hub', undefined, analystId);
    const root = join(SHARED, 'faces/lfw50');
    const probes: [string, string][] = [];
    for (const person of readdirSync(root).sort()) {
      const [first, ...rest] = readdirSync(join(root, person)).sort();
      const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, {
        i: { galleryId, subjectRef: person, imageBase64: readFileSync(join(root, person, first)).toString('base64') },
      });
      expect(r.errors).toBeUndefined();
      for (const f of rest) probes.push([person, join(root, person, f)]);
    }
    let hits = 0;
    const misses: string[] = [];
    for (const [person, file] of probes) {
      const r = await t.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { candidates { subjectRef } } }`, {
        i: { imageBase64: readFileSync(file).toString('base64'), legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'EVAL-1', maxCandidates: 5, minScore: -1 },
      });
      if (r.data?.searchFaces.candidates[0]?.subjectRef === person) hits++;
      else misses.push(`${file.slice(root.length + 1)} -> ${r.data?.searchFaces.candidates[0]?.subjectRef ?? r.errors?.[0].extensions.code}`);
    }
    const rate = hits / probes.length;
    console.log(`rank-1 identification: ${hits}/${probes.length} = ${rate.toFixed(4)}; misses:\n${misses.join('\n')}`);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  }, 600_000); // ~390 enrollments and searches: about two minutes alone, longer while the other jest worker embeds too
});
