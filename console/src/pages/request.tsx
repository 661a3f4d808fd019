import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { gql } from '../api';
import { Problem } from './problem';
import { explain, when, words } from './words';
import type { EditRequestProbeMutation, ExportLeadPhotoMutation, RecordDispositionsMutation, RequestPageQuery, RequestProbeQuery, RequestSearchMutation } from '../graphql.generated';

type Request = NonNullable<RequestPageQuery['request']>;
type Me = RequestPageQuery['me'];
type Search = Request['searches'][number];
type Candidate = Search['candidates'][number];
type Version = Request['probeVersions'][number];
type Step = Version['steps'][number];
type Disposition = Request['examinations'][number]['dispositions'][number];

const LOAD = /* GraphQL */ `query RequestPage($id: ID!) { me { role principalId tenant { id } } request(id: $id) {
  id status tenantId servingTenantId caseNumber offenseCategory statuteText legalBasis narrative sourceKind howObtained capturedAt requestingOfficer approvingSupervisor
  priority dueAt overdue examinerId verifierId adjudicatorId declineReason declineNote outcome outcomeNote createdAt
  probeVersions { id version steps { kind x y width height degrees brightness contrast } createdAt }
  searches { id probeVersionId createdAt candidates { searchId rank subjectRef score faceImage } }
  examinations { role principalId conclusion dispositions { searchId rank disposition reason } note createdAt }
  lead { subjectRef faceImage banner examinerId verifierId adjudicatorId }
  history { seq at action outcome reason status actorRole principalId } examinerChoices { id name certifiedUntil } } }`;
const PROBE = /* GraphQL */ `query RequestProbe($r: ID!, $v: ID) { requestProbe(requestId: $r, probeVersionId: $v) }`;
const RELEASED = ['LEAD_RELEASED', 'NO_LEAD', 'OUTCOME_RECORDED', 'CLOSED'];
const BEFORE_RELEASE = ['SUBMITTED', 'ACCEPTED', 'IN_EXAMINATION', 'IN_VERIFICATION', 'IN_ADJUDICATION', 'VERIFIED'];
const DISPOSITIONS = ['EXCLUDED', 'INCONCLUSIVE', 'POSSIBLE_LEAD'];
const DECLINE_REASONS = ['PROBE_UNSUITABLE', 'PROHIBITED_PURPOSE', 'OUTSIDE_AGREEMENT', 'DUPLICATE', 'OTHER'];
const OUTCOMES = ['IDENTITY_CONFIRMED_BY_OTHER_EVIDENCE', 'EXCLUDED', 'ARREST', 'CHARGED', 'NO_ACTION', 'UNKNOWN'];

/** A person by a short form of their id (the requester sees no names; the serving tenant its own colleagues' ids). */
const person = (id: string | null, me: Me) => (!id ? '—' : id === me.principalId ? 'you' : `principal ${id.slice(0, 8)}`);
const versionName = (v: { version: number } | undefined) => (v ? `edited version ${v.version}` : 'the original');
const stepWords = (s: Step) =>
  s.kind === 'ROTATE' ? `rotate ${s.degrees}°` : s.kind === 'BRIGHTNESS_CONTRAST' ? `brightness ${s.brightness}, contrast ${s.contrast}` : `${words(s.kind)} at ${s.x},${s.y} size ${s.width}×${s.height}`;

/** One request: what was asked, its history from the audit chain, and the step its reader may take now. */
export function RequestPage({ id }: { id: string }) {
  const [state, setState] = useState<{ request?: Request; me?: Me; error?: unknown }>({});
  const [done, setDone] = useState('');
  const load = useCallback(() => {
    gql<RequestPageQuery>(LOAD, { id }).then((d) => setState({ request: d.request, me: d.me }), (error) => setState({ error }));
  }, [id]);
  useEffect(load, [load]);
  const after = (message: string) => { setDone(message); load(); };
  const r0 = state.request, me0 = state.me;
  const serving0 = !!r0 && !!me0 && r0.servingTenantId === me0.tenant.id && me0.role !== 'AGENCY_REQUESTER';
  const probe = useProbeImages(r0, serving0 && !!me0 && (me0.role === 'AGENCY_SUPERVISOR' || (!!me0.principalId && (r0!.examinerId === me0.principalId || r0!.verifierId === me0.principalId))));

  if (state.error) {
    if (explain(state.error).code === 'NOT_FOUND') return <><h1>Request not found</h1><p role="alert">No request with this id is visible to you.</p><p><a href="/requests">Back to the requests</a></p></>;
    return <><h1>Request</h1><Problem error={state.error} /></>;
  }
  const { request: r, me } = state;
  if (!r || !me) return <p>Loading…</p>;
  const serving = r.servingTenantId === me.tenant.id && me.role !== 'AGENCY_REQUESTER';
  const supervisor = serving && me.role === 'AGENCY_SUPERVISOR';
  const examiner = serving && !!me.principalId && r.examinerId === me.principalId;
  const verifier = serving && !!me.principalId && r.verifierId === me.principalId;
  const seesProbe = examiner || verifier || supervisor;
  return (
    <>
      <h1>Request {r.caseNumber}</h1>
      <dl class="facts" data-testid="request-facts">
        <dt>Status</dt><dd data-testid="request-status">{words(r.status)}{r.overdue ? ' (OVERDUE)' : ''}</dd>
        <dt>Priority</dt><dd>{words(r.priority)}</dd>
        <dt>Due</dt><dd>{when(r.dueAt)}</dd>
        <dt>Offense</dt><dd>{words(r.offenseCategory) || '—'}{r.statuteText ? ` (${r.statuteText})` : ''}</dd>
        <dt>Legal basis</dt><dd>{words(r.legalBasis)}</dd>
        <dt>Narrative</dt><dd>{r.narrative ?? '—'}</dd>
        <dt>Probe source</dt><dd>{words(r.sourceKind)}{r.howObtained ? `: ${r.howObtained}` : ''}{r.capturedAt ? `, captured ${when(r.capturedAt)}` : ''}</dd>
        <dt>Requesting officer</dt><dd>{r.requestingOfficer}</dd>
        <dt>Approved by</dt><dd>{r.approvingSupervisor}</dd>
        {serving && <><dt>Examiner</dt><dd>{person(r.examinerId, me)}</dd><dt>Verifier</dt><dd>{person(r.verifierId, me)}</dd></>}
        {r.adjudicatorId && serving && <><dt>Adjudicator</dt><dd>{person(r.adjudicatorId, me)}</dd></>}
        {r.declineReason && <><dt>Declined</dt><dd>{words(r.declineReason)}{r.declineNote ? `: ${r.declineNote}` : ''}</dd></>}
        {r.outcome && <><dt>Outcome</dt><dd data-testid="request-outcome">{words(r.outcome)}{r.outcomeNote ? `: ${r.outcomeNote}` : ''}</dd></>}
      </dl>
      {done && <p role="status">{done}</p>}
      {r.lead && <Lead request={r} me={me} />}
      {!serving && r.status === 'NO_LEAD' && <p class="notice-info">The examiners found no lead in this request.</p>}
      {!serving && me.role === 'AGENCY_REQUESTER' && <RequesterActions request={r} onDone={after} />}
      {!serving && me.role === 'AGENCY_REQUESTER' && r.lead && <LineUpExport request={r} />}
      {supervisor && r.status === 'SUBMITTED' && <Decide request={r} onDone={after} />}
      {seesProbe && <Probes request={r} images={probe.images} error={probe.error} editable={examiner && ['ACCEPTED', 'IN_EXAMINATION'].includes(r.status)} onDone={after} />}
      {serving && <Work request={r} me={me} roles={{ examiner, verifier, supervisor }} images={probe.images} onDone={after} />}
      {(seesProbe ? !(r.status === 'IN_VERIFICATION' && !examiner) : !serving && RELEASED.includes(r.status) && (r.status !== 'CLOSED' || !!r.outcome)) && <Reports request={r} discovery={seesProbe} />}
      {supervisor && ['OUTCOME_RECORDED', 'DECLINED', 'WITHDRAWN'].includes(r.status) && <Act label="Close request" message="Request closed." run={() => gql(/* GraphQL */ `mutation CloseRequest($r: ID!) { closeRequest(requestId: $r) { id } }`, { r: r.id })} onDone={after} />}
      <History request={r} me={me} serving={serving} />
    </>
  );
}

/** The released lead, with the banner no one can miss. */
function Lead({ request: r, me }: { request: Request; me: Me }) {
  const l = r.lead!;
  return (
    <section aria-labelledby="lead">
      <h2 id="lead">The lead</h2>
      <div class="notice" role="note" data-testid="lead-banner">
        <p class="notice-title">{l.banner}</p>
        <p>A face-recognition result is never enough to arrest or to show a photo line-up: find independent evidence first.</p>
      </div>
      <dl class="facts" data-testid="lead">
        <dt>Subject reference</dt><dd>{l.subjectRef}</dd>
        <dt>Examined by</dt><dd>{person(l.examinerId, me)}</dd>
        <dt>Verified by</dt><dd>{person(l.verifierId, me)}</dd>
        {l.adjudicatorId && <><dt>Adjudicated by</dt><dd>{person(l.adjudicatorId, me)}</dd></>}
      </dl>
      {l.faceImage && <img class="chip" src={l.faceImage} alt={`Enrolled face of ${l.subjectRef}, the lead`} />}
    </section>
  );
}

/** The requester: withdraw before release; record what came of the lead (or of no lead). */
function RequesterActions({ request: r, onDone }: { request: Request; onDone: (m: string) => void }) {
  const [outcome, setOutcome] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  async function record(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      await gql(/* GraphQL */ `mutation RecordOutcome($r: ID!, $o: RequestOutcome!, $n: String) { recordOutcome(requestId: $r, outcome: $o, note: $n) { id } }`, { r: r.id, o: outcome, n: note || null });
      onDone(`Outcome recorded: ${words(outcome)}.`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <>
      {['LEAD_RELEASED', 'NO_LEAD'].includes(r.status) && (
        <section aria-labelledby="outcome">
          <h2 id="outcome">Record the outcome</h2>
          <form onSubmit={record}>
            <label for="outcome-choice">What came of it</label>
            <select id="outcome-choice" required value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {OUTCOMES.map((o) => <option value={o}>{words(o)}</option>)}
            </select>
            <label for="outcome-note">Note (optional)</label>
            <textarea id="outcome-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            <button type="submit">Record outcome</button>
          </form>
          <Problem error={error} />
        </section>
      )}
      {BEFORE_RELEASE.includes(r.status) && (
        <Act label="Withdraw request" message="Request withdrawn." run={() => gql(/* GraphQL */ `mutation WithdrawRequest($r: ID!) { withdrawRequest(requestId: $r) { id } }`, { r: r.id })} onDone={onDone} />
      )}
    </>
  );
}

/** The lead's photo for a photo line-up, only after the requester attests to independent evidence (kept in the audit chain). */
function LineUpExport({ request: r }: { request: Request }) {
  const [attestation, setAttestation] = useState('');
  const [photo, setPhoto] = useState<{ subjectRef: string; image: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      setPhoto((await gql<ExportLeadPhotoMutation>(/* GraphQL */ `mutation ExportLeadPhoto($r: ID!, $a: String!) { exportLeadPhoto(requestId: $r, attestation: $a) { subjectRef image } }`, { r: r.id, a: attestation })).exportLeadPhoto);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="line-up">
      <h2 id="line-up">Photo for a line-up</h2>
      <p class="hint">A face-recognition lead alone is no basis for a photo line-up. Describe the independent evidence that links this person to the case; the hub keeps your attestation in its audit chain.</p>
      <form onSubmit={submit}>
        <label for="attestation">Independent evidence (a sentence or more)</label>
        <textarea id="attestation" rows={3} required minLength={20} value={attestation} onInput={(e) => setAttestation(e.currentTarget.value)} />
        <button type="submit">Attest and export the photo</button>
      </form>
      <Problem error={error} />
      {photo && <p><img class="chip" src={photo.image} alt={`Line-up photo of ${photo.subjectRef}`} /> <a href={photo.image} download={`${photo.subjectRef}.jpg`}>Download the photo of {photo.subjectRef}</a></p>}
    </section>
  );
}

/**
 * The request's lead report and, for the serving agency's examiners and supervisors, its discovery
 * package: plain links the hub answers with the session cookie (the same URLs a program uses with a
 * token). Shown only when the hub gives them: not to the serving side during a blind verification,
 * not to the requesting agency before its answer came back.
 */
function Reports({ request: r, discovery }: { request: Request; discovery: boolean }) {
  const base = `/reports/requests/${r.id}`;
  return (
    <section aria-labelledby="reports">
      <h2 id="reports">Lead report</h2>
      <p class="hint">Signed by the hub: anyone can check a copy with “Verify a report” or <code>npx frhub report verify &lt;file&gt;</code>. Each download is audited.</p>
      {/* `download`: the browser saves the file under the name the hub gives it (the report's id) */}
      <ul data-testid="report-downloads">
        <li><a href={`${base}.pdf`} download>Lead report (PDF)</a></li>
        <li><a href={`${base}.json`} download>Lead report (JSON)</a></li>
        <li><a href={`${base}.pdf?audience=oversight`} download>Oversight version, without faces (PDF)</a></li>
        {discovery && <li><a href={`${base}/discovery.zip`} download>Discovery package for the defence (ZIP)</a></li>}
      </ul>
    </section>
  );
}

/** One button that runs one mutation, and says what happened. */
function Act({ label, message, run, onDone }: { label: string; message: string; run: () => Promise<unknown>; onDone: (m: string) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <p>
      <button type="button" disabled={busy} onClick={() => { setBusy(true); setError(null); run().then(() => onDone(message), setError).finally(() => setBusy(false)); }}>{label}</button>
      <Problem error={error} />
    </p>
  );
}

/** The serving supervisor accepts (assigning an examiner) or declines with a reason. */
function Decide({ request: r, onDone }: { request: Request; onDone: (m: string) => void }) {
  const [examinerId, setExaminer] = useState('');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const run = (f: () => Promise<unknown>, m: string) => async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await f();
      onDone(m);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="decide">
      <h2 id="decide">Accept or decline</h2>
      <form onSubmit={run(() => gql(/* GraphQL */ `mutation AcceptRequest($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { id } }`, { r: r.id, e: examinerId }), 'Request accepted: the examiner has it in their queue.')}>
        <label for="examiner">Examiner</label>
        <select id="examiner" required value={examinerId} onChange={(e) => setExaminer(e.currentTarget.value)} aria-describedby="examiner-hint">
          <option value="">Choose an examiner…</option>
          {r.examinerChoices.map((x) => <option value={x.id}>{x.name} (certified until {x.certifiedUntil.slice(0, 10)})</option>)}
        </select>
        <p id="examiner-hint" class="hint">{r.examinerChoices.length ? 'Your agency’s analysts whose certification is current. A different analyst or a supervisor verifies the examination later.' : 'Your agency has no analyst with a current certification: ask your agency administrator to renew one.'}</p>
        <button type="submit">Accept and assign</button>
      </form>
      <form onSubmit={run(() => gql(/* GraphQL */ `mutation DeclineRequest($r: ID!, $w: DeclineReason!, $n: String) { declineRequest(requestId: $r, reason: $w, note: $n) { id } }`, { r: r.id, w: reason, n: note || null }), 'Request declined.')}>
        <label for="decline-reason">Reason to decline</label>
        <select id="decline-reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
          <option value="">Choose…</option>
          {DECLINE_REASONS.map((d) => <option value={d}>{words(d)}</option>)}
        </select>
        <label for="decline-note">Note{reason === 'OTHER' ? ' (required for other)' : ' (optional)'}</label>
        <input id="decline-note" required={reason === 'OTHER'} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        <button type="submit">Decline</button>
      </form>
      <Problem error={error} />
    </section>
  );
}

/** The original probe ('') and each edited version as data URLs, for those who may read them (each read is audited). */
function useProbeImages(r: Request | undefined, allowed: boolean) {
  const [images, setImages] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const versions = ['', ...(r?.probeVersions.map((v) => v.id) ?? [])];
  useEffect(() => {
    if (!r || !allowed) return;
    Promise.all(versions.map(async (v) => [v, (await gql<RequestProbeQuery>(PROBE, { r: r.id, v: v || null })).requestProbe] as const))
      .then((all) => setImages(Object.fromEntries(all)), setError);
  }, [r?.id, allowed, versions.join(',')]);
  return { images, error };
}

/** The original probe beside each edited version; the examiner records a new edit (rotate, crop) from the original. */
function Probes({ request: r, images, error, editable, onDone }: { request: Request; images: Record<string, string>; error: unknown; editable: boolean; onDone: (m: string) => void }) {
  return (
    <section aria-labelledby="probes">
      <h2 id="probes">The probe</h2>
      <p class="hint">Edits never change the original: each is a recorded version, and every search records the version it used. Compare candidates with the original.</p>
      <Problem error={error} />
      <div class="probes" data-testid="probes">
        <figure class="probe-figure">
          {images[''] ? <img class="probe-view" src={images['']} alt="The original probe, as submitted" /> : <p>Loading…</p>}
          <figcaption>The original, as submitted</figcaption>
        </figure>
        {r.probeVersions.map((v) => (
          <figure class="probe-figure">
            {images[v.id] ? <img class="probe-view" src={images[v.id]} alt={`Edited version ${v.version} of the probe`} /> : <p>Loading…</p>}
            <figcaption>Edited version {v.version}: {v.steps.map(stepWords).join(', then ')}</figcaption>
          </figure>
        ))}
      </div>
      {editable && <EditProbe request={r} onDone={onDone} />}
    </section>
  );
}

function EditProbe({ request: r, onDone }: { request: Request; onDone: (m: string) => void }) {
  const [f, setF] = useState({ degrees: '', x: '', y: '', width: '', height: '' });
  const [error, setError] = useState<unknown>(null);
  const num = (k: keyof typeof f, label: string) => (
    <>
      <label for={`edit-${k}`}>{label}</label>
      <input id={`edit-${k}`} type="number" step="any" value={f[k]} onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })} />
    </>
  );
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const steps: Record<string, unknown>[] = [];
    if (f.degrees && Number(f.degrees) !== 0) steps.push({ kind: 'ROTATE', degrees: Number(f.degrees) });
    const box = [f.x, f.y, f.width, f.height];
    if (box.some((v) => v !== '')) {
      if (box.some((v) => v === '')) return setError(new Error('A crop needs all four numbers: left, top, width and height.'));
      steps.push({ kind: 'CROP', x: Number(f.x), y: Number(f.y), width: Number(f.width), height: Number(f.height) });
    }
    if (!steps.length) return setError(new Error('Enter a rotation, a crop, or both.'));
    try {
      const { editRequestProbe } = await gql<EditRequestProbeMutation>(/* GraphQL */ `mutation EditRequestProbe($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { version } }`, { i: { requestId: r.id, steps } });
      setF({ degrees: '', x: '', y: '', width: '', height: '' });
      onDone(`Edited version ${editRequestProbe.version} saved.`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="edit-probe">
      <h3 id="edit-probe">Edit the probe</h3>
      <p class="hint">Applied to the original in this order: the rotation, then the crop (in pixels of the rotated photo).</p>
      <fieldset>
        <legend>Rotate</legend>
        {num('degrees', 'Degrees clockwise')}
      </fieldset>
      <fieldset>
        <legend>Crop</legend>
        {num('x', 'Left (pixels)')}{num('y', 'Top (pixels)')}{num('width', 'Width (pixels)')}{num('height', 'Height (pixels)')}
      </fieldset>
      <button type="submit">Save edited version</button>
      <Problem error={error} />
    </form>
  );
}

/** The examination: searches, dispositions (examiner, blind verifier, adjudicator), release. */
function Work({ request: r, me, roles, images, onDone }: { request: Request; me: Me; roles: { examiner: boolean; verifier: boolean; supervisor: boolean }; images: Record<string, string>; onDone: (m: string) => void }) {
  const { examiner, verifier, supervisor } = roles;
  const blind = r.status === 'IN_VERIFICATION' && !examiner;
  const canClaim = r.status === 'IN_VERIFICATION' && !r.verifierId && !!me.principalId && r.examinerId !== me.principalId;
  const adjudicate = r.status === 'IN_ADJUDICATION' && supervisor && me.principalId !== r.examinerId && me.principalId !== r.verifierId;
  const dispose = (examiner && r.status === 'IN_EXAMINATION') || (verifier && r.status === 'IN_VERIFICATION') || adjudicate;
  return (
    <>
      {examiner && ['ACCEPTED', 'IN_EXAMINATION'].includes(r.status) && <RunSearch request={r} onDone={onDone} />}
      {blind && <p class="rule" data-testid="blind">Blind verification: the first examiner’s dispositions and conclusion are not shown{r.searches.some((s) => s.candidates.some((c) => c.score === null)) ? ', nor the scores' : ''}. Compare each candidate with the original probe and decide for yourself.</p>}
      {canClaim && <Act label="Claim verification" message="You are this request’s verifier: record your own dispositions below." run={() => gql(/* GraphQL */ `mutation ClaimVerification($r: ID!) { claimVerification(requestId: $r) { id } }`, { r: r.id })} onDone={onDone} />}
      {r.searches.length > 0 && (dispose ? <Dispositions request={r} images={images} role={adjudicate ? 'adjudicator' : verifier ? 'verifier' : 'examiner'} onDone={onDone} /> : <Candidates request={r} images={images} />)}
      {r.examinations.length > 0 && <Examinations request={r} me={me} />}
      {r.status === 'VERIFIED' && (examiner || supervisor) && <Release request={r} onDone={onDone} />}
    </>
  );
}

function RunSearch({ request: r, onDone }: { request: Request; onDone: (m: string) => void }) {
  const [version, setVersion] = useState(r.probeVersions.at(-1)?.id ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { searchFaces } = await gql<RequestSearchMutation>(/* GraphQL */ `mutation RequestSearch($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank } } }`, { i: { requestId: r.id, probeVersionId: version || null } });
      onDone(`Search done: ${searchFaces.candidates.length} candidate${searchFaces.candidates.length === 1 ? '' : 's'}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="run-search">
      <h2 id="run-search">Search</h2>
      <p class="hint">The case, legal basis and offense come from the request; the search counts against the requesting agency’s quota.</p>
      <form onSubmit={submit}>
        <label for="probe-version">Probe to search</label>
        <select id="probe-version" value={version} onChange={(e) => setVersion(e.currentTarget.value)}>
          <option value="">The original</option>
          {r.probeVersions.map((v) => <option value={v.id}>Edited version {v.version}</option>)}
        </select>
        <button type="submit" disabled={busy}>{busy ? 'Searching…' : 'Search for this request'}</button>
      </form>
      <Problem error={error} />
    </section>
  );
}

const candidateKey = (c: { searchId: string; rank: number }) => `${c.searchId}/${c.rank}`;
const searchName = (r: Request, s: Search, i: number) => `Search ${i + 1} (${versionName(r.probeVersions.find((v) => v.id === s.probeVersionId))}, ${when(s.createdAt)})`;

/** Each search's candidates side by side with their enrolled faces; `decide` adds the reader's own disposition. */
function Candidates({ request: r, images, decide }: { request: Request; images: Record<string, string>; decide?: (c: Candidate) => ComponentChildren }) {
  return (
    <>
      {r.searches.map((s, i) => (
        <table class="candidates" data-testid="request-candidates">
          <caption class="hint">{searchName(r, s, i)}: {s.candidates.length ? 'ranked by similarity' : 'no candidate above the threshold'}</caption>
          <thead><tr><th scope="col">Rank</th><th scope="col">Subject</th><th scope="col">Score</th><th scope="col">Probe searched</th><th scope="col">Enrolled face</th>{decide && <th scope="col">Your disposition</th>}</tr></thead>
          <tbody>
            {s.candidates.map((c) => (
              <tr>
                <td>{c.rank}</td>
                <td>{c.subjectRef}</td>
                <td>{c.score === null ? 'hidden (blind)' : c.score.toFixed(3)}</td>
                <td>{images[s.probeVersionId ?? ''] ? <img class="chip" src={images[s.probeVersionId ?? '']} alt={`The probe searched (${versionName(r.probeVersions.find((v) => v.id === s.probeVersionId))})`} /> : '—'}</td>
                <td>{c.faceImage ? <img class="chip" src={c.faceImage} alt={`Enrolled face of ${c.subjectRef}`} /> : <span class="hint">No face kept</span>}</td>
                {decide && <td>{decide(c)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}

/** A disposition for every candidate of every search, a reason for a possible lead, and the conclusion. */
function Dispositions({ request: r, images, role, onDone }: { request: Request; images: Record<string, string>; role: string; onDone: (m: string) => void }) {
  const [d, setD] = useState<Record<string, { disposition: string; reason: string }>>({});
  const [conclusion, setConclusion] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const all = r.searches.flatMap((s) => s.candidates);
  const set = (c: Candidate, patch: Partial<{ disposition: string; reason: string }>) => setD({ ...d, [candidateKey(c)]: { ...{ disposition: '', reason: '' }, ...d[candidateKey(c)], ...patch } });
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const dispositions = all.map((c) => ({ searchId: c.searchId, rank: c.rank, disposition: d[candidateKey(c)]?.disposition, reason: d[candidateKey(c)]?.reason || null }));
      const { recordDispositions } = await gql<RecordDispositionsMutation>(/* GraphQL */ `mutation RecordDispositions($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status } }`, { i: { requestId: r.id, conclusion, dispositions, note: note || null } });
      onDone(`Your dispositions are recorded; the request is now ${words(recordDispositions.status)}.`);
    } catch (err) {
      setError(err);
    }
  }
  const decide = (c: Candidate) => {
    const v = d[candidateKey(c)] ?? { disposition: '', reason: '' };
    const name = `candidate ${c.rank} (${c.subjectRef})`;
    return (
      <>
        <select aria-label={`Disposition for ${name}`} required value={v.disposition} onChange={(e) => set(c, { disposition: e.currentTarget.value })}>
          <option value="">Choose…</option>
          {DISPOSITIONS.map((x) => <option value={x}>{words(x)}</option>)}
        </select>
        <input aria-label={`Reason for ${name}${v.disposition === 'POSSIBLE_LEAD' ? ' (required for a possible lead)' : ''}`} placeholder="Reason" required={v.disposition === 'POSSIBLE_LEAD'} value={v.reason} onInput={(e) => set(c, { reason: e.currentTarget.value })} />
      </>
    );
  };
  return (
    <section aria-labelledby="dispositions">
      <h2 id="dispositions">Candidates and your dispositions as {role}</h2>
      <form onSubmit={submit}>
        <Candidates request={r} images={images} decide={decide} />
        <label for="conclusion">Your conclusion</label>
        <select id="conclusion" required value={conclusion} onChange={(e) => setConclusion(e.currentTarget.value)}>
          <option value="">Choose…</option>
          <option value="POSSIBLE_LEAD">possible lead</option>
          <option value="NO_LEAD">no lead</option>
        </select>
        <label for="examination-note">Note (optional)</label>
        <textarea id="examination-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        <button type="submit">Record my dispositions</button>
      </form>
      <Problem error={error} />
    </section>
  );
}

/** The examinations recorded so far that the reader may see (a blind verifier sees only its own). */
function Examinations({ request: r, me }: { request: Request; me: Me }) {
  const ref = (x: Disposition) => r.searches.flatMap((s) => s.candidates).find((c) => c.searchId === x.searchId && c.rank === x.rank)?.subjectRef ?? `rank ${x.rank}`;
  return (
    <section aria-labelledby="examinations">
      <h2 id="examinations">Examinations recorded</h2>
      <table data-testid="examinations">
        <thead><tr><th scope="col">Role</th><th scope="col">Who</th><th scope="col">Conclusion</th><th scope="col">Dispositions</th><th scope="col">When</th></tr></thead>
        <tbody>
          {r.examinations.map((e) => (
            <tr>
              <td>{words(e.role)}</td>
              <td>{person(e.principalId, me)}</td>
              <td>{words(e.conclusion)}</td>
              <td>{e.dispositions.map((x) => `${ref(x)}: ${words(x.disposition)}${x.reason ? ` (${x.reason})` : ''}`).join('; ')}{e.note ? `. Note: ${e.note}` : ''}</td>
              <td>{when(e.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Release a candidate the deciding examinations marked a possible lead. */
function Release({ request: r, onDone }: { request: Request; onDone: (m: string) => void }) {
  const leadsOf = (role: string) => new Set(r.examinations.find((e) => e.role === role)?.dispositions.filter((x) => x.disposition === 'POSSIBLE_LEAD').map(candidateKey) ?? []);
  const adjudicated = r.examinations.some((e) => e.role === 'ADJUDICATOR');
  const both = adjudicated ? leadsOf('ADJUDICATOR') : new Set([...leadsOf('EXAMINER')].filter((k) => leadsOf('VERIFIER').has(k)));
  const choices = r.searches.flatMap((s) => s.candidates).filter((c) => both.has(candidateKey(c)));
  const [choice, setChoice] = useState(choices[0] ? candidateKey(choices[0]) : '');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const c = choices.find((x) => candidateKey(x) === choice)!;
    try {
      await gql(/* GraphQL */ `mutation ReleaseLead($r: ID!, $s: ID!, $k: Int!) { releaseLead(requestId: $r, searchId: $s, rank: $k) { id } }`, { r: r.id, s: c.searchId, k: c.rank });
      onDone(`Lead ${c.subjectRef} released to the requester.`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="release">
      <h2 id="release">Release the lead</h2>
      <form onSubmit={submit}>
        <label for="lead-choice">Candidate {adjudicated ? 'the adjudicator' : 'both examiners'} marked a possible lead</label>
        <select id="lead-choice" required value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
          {choices.map((c) => <option value={candidateKey(c)}>{c.subjectRef} (rank {c.rank})</option>)}
        </select>
        <button type="submit">Release lead</button>
      </form>
      <Problem error={error} />
    </section>
  );
}

/** The request's events, read from the audit chain. */
function History({ request: r, me, serving }: { request: Request; me: Me; serving: boolean }) {
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      <table data-testid="history">
        <caption class="hint">From the hub’s audit chain, oldest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Result</th><th scope="col">Status after</th><th scope="col">By</th></tr></thead>
        <tbody>
          {r.history.map((h) => (
            <tr>
              <td>{when(h.at)}</td>
              <td>{words(h.action)}</td>
              <td>{words(h.outcome)}{h.reason ? `: ${h.reason}` : ''}</td>
              <td>{h.status ? words(h.status) : '—'}</td>
              <td>{words(h.actorRole)}{serving && h.principalId ? ` (${person(h.principalId, me)})` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
