import { useState } from 'preact/hooks';
import { gql } from '../api';
import { useQuery } from './use-query';
import { LEGAL_BASES, OFFENSE_LEVELS, words } from './vocab';
import type { LegalBasis, OffenseLevel, PolicyFieldsFragment, QualityFloorAction, TenantPolicyQuery } from '../graphql.generated';

export type Policy = PolicyFieldsFragment;
type Field = Exclude<keyof Policy, 'preset'>;
const LISTS = ['allowedBases', 'caseNumberRequiredFor', 'warrantRequiredFor', 'narrativeRequiredFor', 'offenseRequiredFor'] as const;
const FIELDS: Field[] = [...LISTS, 'offenseThreshold', 'exigentApprovalHours', 'retentionDays', 'sessionIdleMinutes', 'sessionLifetimeHours', 'requireMfa', 'qualityFloors'];
const POLICY = /* GraphQL */ `fragment PolicyFields on TenantPolicy { preset allowedBases offenseRequiredFor offenseThreshold warrantRequiredFor caseNumberRequiredFor narrativeRequiredFor exigentApprovalHours retentionDays requireMfa sessionIdleMinutes sessionLifetimeHours qualityFloors { action minInterEyePx maxYawDeg maxPitchDeg minSharpness minExposure maxExposure minInFrame } }`;

type Floors = NonNullable<Policy['qualityFloors']>;
type Floor = Exclude<keyof Floors, 'action'>;
// each floor a probe's quality component is held to, in words (the API's QualityFloorsInput)
const FLOORS: [Floor, string][] = [
  ['minInterEyePx', 'Pixels between the eyes, at least'],
  ['maxYawDeg', 'Head turned (yaw), at most (degrees)'],
  ['maxPitchDeg', 'Head tilted (pitch), at most (degrees)'],
  ['minSharpness', 'Sharpness, at least'],
  ['minExposure', 'Exposure, at least (0-1)'],
  ['maxExposure', 'Exposure, at most (0-1)'],
  ['minInFrame', 'Share of the face inside the photo, at least (0-1)'],
];
const NO_FLOORS: Omit<Floors, 'action'> = { minInterEyePx: null, maxYawDeg: null, maxPitchDeg: null, minSharpness: null, minExposure: null, maxExposure: null, minInFrame: null };
const floorWords = (f: Floors) => FLOORS.filter(([k]) => f[k] !== null && f[k] !== undefined).map(([k, label]) => `${label.toLowerCase()} ${f[k]}`).join('; ') || 'none set';

const same = (a: unknown, b: unknown) => JSON.stringify(Array.isArray(a) ? [...a].sort() : a) === JSON.stringify(Array.isArray(b) ? [...b].sort() : b);
const list = (xs: string[]) => (xs.length ? xs.map(words).join(', ') : 'no legal basis');

/** Each rule of a policy in a sentence, with the code a search refused by it gets. */
export function explain(p: Policy): Record<Field, string> {
  return {
    allowedBases: `A search may name ${list(p.allowedBases)}; any other legal basis is refused (LEGAL_BASIS_NOT_PERMITTED).`,
    caseNumberRequiredFor: `A case number is required for ${list(p.caseNumberRequiredFor)} (else CASE_NUMBER_REQUIRED).`,
    warrantRequiredFor: p.warrantRequiredFor.length ? `A warrant number is required for ${list(p.warrantRequiredFor)} (else WARRANT_REQUIRED).` : 'No legal basis needs a warrant number.',
    narrativeRequiredFor: p.narrativeRequiredFor.length ? `A narrative of the facts is required for ${list(p.narrativeRequiredFor)} (else NARRATIVE_REQUIRED).` : 'No legal basis needs a narrative.',
    offenseRequiredFor: p.offenseRequiredFor.length ? `For ${list(p.offenseRequiredFor)} the search must name an offense at or above the threshold (else OFFENSE_BELOW_THRESHOLD).` : 'No legal basis needs an offense.',
    offenseThreshold: `The offense threshold is ${words(p.offenseThreshold)}: a less serious offense is refused where an offense is required.`,
    exigentApprovalHours: `An exigent search (imminent threat) runs at once; a supervisor must approve it within ${p.exigentApprovalHours} hours, or it is reported overdue.`,
    retentionDays: `Search details (candidates, case data) are purged ${p.retentionDays} days after the search unless a legal hold keeps them; the audit log keeps its events.`,
    sessionIdleMinutes: `A console session with no activity for ${p.sessionIdleMinutes} minutes is locked: its person signs in again.`,
    sessionLifetimeHours: `A console session ends ${p.sessionLifetimeHours} hours after it opened, however active.`,
    qualityFloors: p.qualityFloors
      ? `Probe quality floors (${floorWords(p.qualityFloors)}): a probe below one is ${p.qualityFloors.action === 'REFUSE' ? 'refused (LOW_QUALITY)' : 'searched, with a warning the search records'}.`
      : 'No probe quality floors beyond the hub’s own: a probe the hub can search is searched.',
    requireMfa: p.requireMfa
      ? 'Its people sign in to the console only through the agency’s identity provider with a second factor (MFA_REQUIRED otherwise).'
      : 'A second factor at sign-in is not required by the hub (the agency’s identity provider may still ask for one).',
  };
}

/** A tenant's policy: its preset, each rule in words with overrides marked, and an editor for the operator. */
export function PolicySection({ slug, editable }: { slug: string; editable: boolean }) {
  const { data, error, reload } = useQuery<TenantPolicyQuery>(
    /* GraphQL */ `query TenantPolicy($s: String!) { tenantPolicy(tenantSlug: $s) { ...PolicyFields } policyPresets { id name sources policy { ...PolicyFields } } } ${POLICY}`, { s: slug });
  const [editing, setEditing] = useState(false);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p>Loading the policy…</p>;
  const p = data.tenantPolicy;
  const preset = data.policyPresets.find((x) => x.id === p.preset);
  const sentences = explain(p);
  const presetSentences = preset ? explain(preset.policy) : undefined;
  return (
    <section aria-labelledby="policy">
      <h2 id="policy">Policy</h2>
      <p>Preset <strong>{p.preset}</strong>{preset ? `: ${preset.name}` : ''}.{preset?.sources.length ? ` Sources: ${preset.sources.join(' ')}` : ''}</p>
      <ul data-testid="policy-rules">
        {FIELDS.map((f) => {
          const overridden = preset && !same(p[f], preset.policy[f]);
          return (
            <li>
              {sentences[f]}
              {overridden && <> <strong class="override">Override</strong> <span class="hint">(the preset says: {presetSentences![f]})</span></>}
            </li>
          );
        })}
      </ul>
      {editable && !editing && <button type="button" onClick={() => setEditing(true)}>Change the policy</button>}
      {editable && editing && <PolicyEditor slug={slug} policy={p} presets={data.policyPresets} onDone={() => { setEditing(false); reload(); }} />}
    </section>
  );
}

function PolicyEditor({ slug, policy, presets, onDone }: { slug: string; policy: Policy; presets: { id: string; policy: Policy }[]; onDone: () => void }) {
  const [p, setP] = useState<Policy>(policy);
  const [message, setMessage] = useState('');
  const base = presets.find((x) => x.id === p.preset)?.policy;
  // choosing another preset starts from its rules (at once, so nothing typed after is overwritten)
  const choosePreset = (id: string) => {
    const rules = presets.find((x) => x.id === id)?.policy;
    setP(rules ? { ...rules, preset: id } : { ...p, preset: id });
  };
  const toggle = (f: (typeof LISTS)[number], basis: LegalBasis, on: boolean) => setP({ ...p, [f]: on ? [...p[f], basis] : p[f].filter((b) => b !== basis) });
  async function save(e: Event) {
    e.preventDefault();
    // the overrides are what differs from the preset: the API keeps the preset and those, nothing else
    const overrides = Object.fromEntries(FIELDS.filter((f) => !base || !same(p[f], base[f])).map((f) => [f, p[f]]));
    try {
      await gql(/* GraphQL */ `mutation SetTenantPolicy($i: SetTenantPolicyInput!) { setTenantPolicy(input: $i) { preset } }`, { i: { tenantSlug: slug, preset: p.preset, ...overrides } });
      onDone();
    } catch (err) {
      setMessage((err as Error).message);
    }
  }
  const heads = { allowedBases: 'Allowed', caseNumberRequiredFor: 'Case number', warrantRequiredFor: 'Warrant', narrativeRequiredFor: 'Narrative', offenseRequiredFor: 'Offense' };
  return (
    <form onSubmit={save} aria-labelledby="edit-policy">
      <h3 id="edit-policy">Change the policy</h3>
      <label for="preset">Preset</label>
      <select id="preset" value={p.preset} onChange={(e) => choosePreset(e.currentTarget.value)}>{presets.map((x) => <option value={x.id}>{x.id}</option>)}</select>
      <table>
        <caption class="hint">What each legal basis requires (ticked: allowed or required)</caption>
        <thead><tr><th scope="col">Legal basis</th>{LISTS.map((f) => <th scope="col">{heads[f]}</th>)}</tr></thead>
        <tbody>
          {LEGAL_BASES.map((b) => (
            <tr>
              <th scope="row">{words(b)}</th>
              {LISTS.map((f) => <td><input type="checkbox" class="check" checked={p[f].includes(b)} aria-label={`${heads[f]}: ${words(b)}`} onChange={(e) => toggle(f, b, e.currentTarget.checked)} /></td>)}
            </tr>
          ))}
        </tbody>
      </table>
      <label for="offenseThreshold">Offense threshold</label>
      <select id="offenseThreshold" value={p.offenseThreshold} onChange={(e) => setP({ ...p, offenseThreshold: e.currentTarget.value as OffenseLevel })}>{OFFENSE_LEVELS.map((o) => <option value={o}>{words(o)}</option>)}</select>
      <label for="exigentApprovalHours">Exigent approval within (hours)</label>
      <input id="exigentApprovalHours" type="number" min={1} value={p.exigentApprovalHours} onInput={(e) => setP({ ...p, exigentApprovalHours: Number(e.currentTarget.value) })} />
      <label for="retentionDays">Retention of search details (days)</label>
      <input id="retentionDays" type="number" min={1} value={p.retentionDays} onInput={(e) => setP({ ...p, retentionDays: Number(e.currentTarget.value) })} />
      <label for="sessionIdleMinutes">Lock an idle console session after (minutes, at most 30)</label>
      <input id="sessionIdleMinutes" type="number" min={1} max={30} value={p.sessionIdleMinutes} onInput={(e) => setP({ ...p, sessionIdleMinutes: Number(e.currentTarget.value) })} />
      <label for="sessionLifetimeHours">End a console session after (hours)</label>
      <input id="sessionLifetimeHours" type="number" min={1} max={24} value={p.sessionLifetimeHours} onInput={(e) => setP({ ...p, sessionLifetimeHours: Number(e.currentTarget.value) })} />
      <label><input type="checkbox" checked={p.requireMfa} onChange={(e) => setP({ ...p, requireMfa: e.currentTarget.checked })} /> Require multi-factor authentication from the agency’s identity provider</label>
      <fieldset>
        <legend>Probe quality floors</legend>
        <label for="floorAction">A probe below a floor is</label>
        <select id="floorAction" value={p.qualityFloors?.action ?? ''} onChange={(e) => {
          const action = e.currentTarget.value as QualityFloorAction | '';
          setP({ ...p, qualityFloors: action ? { ...(p.qualityFloors ?? NO_FLOORS), action } : null });
        }}>
          <option value="">no floors</option>
          <option value="REFUSE">refused (LOW_QUALITY)</option>
          <option value="WARN">searched, with a warning recorded</option>
        </select>
        {p.qualityFloors && FLOORS.map(([k, label]) => (
          <>
            <label for={k}>{label}</label>
            <input id={k} type="number" step="any" value={p.qualityFloors![k] ?? ''} onInput={(e) => {
              const v = e.currentTarget.value;
              setP({ ...p, qualityFloors: { ...p.qualityFloors!, [k]: v === '' ? null : Number(v) } });
            }} />
          </>
        ))}
      </fieldset>
      <button type="submit">Save the policy</button>
      <button type="button" class="secondary" onClick={onDone}>Cancel</button>
      {message && <p class="error" role="alert">{message}</p>}
    </form>
  );
}
