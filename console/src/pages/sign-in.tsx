import { useState } from 'preact/hooks';

// why a sign-in with an agency's identity provider did not complete: the hub's SignInError codes
// (server/console/oidc-sign-in.ts), each in words; a code not listed reads as PROVIDER_ERROR
type SignInError = 'NO_PROVIDER' | 'PROVIDER_UNREACHABLE' | 'FLOW_MISMATCH' | 'DENIED' | 'PROVIDER_ERROR' | 'TOKEN_REFUSED' | 'NO_PRINCIPAL' | 'HUB_ISSUES_NO_TOKENS' | 'PRINCIPAL_DISABLED' | 'MFA_REQUIRED' | 'NOTICE_NOT_ACKNOWLEDGED';
const AGENCY_SIGN_IN_ERRORS: Record<SignInError, string> = {
  NO_PROVIDER: 'That agency does not sign in with its own identity provider on this hub. Check its short name, or sign in with a hub token from your agency’s administrator.',
  PROVIDER_UNREACHABLE: 'Your agency’s identity provider could not be reached, or did not answer as the provider this hub trusts. Try again in a few minutes; if it keeps failing, tell your agency’s administrator.',
  FLOW_MISMATCH: 'This sign-in does not match one started in this browser (it expired, or the link was altered), so you are not signed in. Start again below.',
  DENIED: 'Your agency’s identity provider did not sign you in (you cancelled, or it declined). Start again if you meant to sign in.',
  PROVIDER_ERROR: 'Your agency’s identity provider answered with an error, so you are not signed in. Start again; if it keeps failing, tell your agency’s administrator.',
  TOKEN_REFUSED: 'The identity provider’s answer could not be verified as your agency’s, so you are not signed in. Tell your agency’s administrator.',
  NO_PRINCIPAL: 'Your agency’s identity provider knows you, but no user of your agency on this hub has that identity. Ask your agency’s administrator to add you.',
  HUB_ISSUES_NO_TOKENS: 'Your agency’s identity provider signed you in, but this hub is configured to open no sessions of its own, so you are not signed in. This is the hub operator’s setting, not your agency’s: tell the hub’s operator.',
  PRINCIPAL_DISABLED: 'Your account is disabled on this hub, so you are not signed in. Ask your agency’s administrator.',
  MFA_REQUIRED: 'Your agency requires multi-factor authentication, and your identity provider did not report a second factor for this sign-in. Sign in again using your second factor; if it keeps failing, tell your agency’s administrator.',
  NOTICE_NOT_ACKNOWLEDGED: 'Acknowledge the system-use notice below, then sign in again.',
};

const query = () => new URLSearchParams(location.search);

export function SignInPage({ error, notice, link, onToken }: { error: string; notice: string | null; link: boolean; onToken: (token: string, acknowledged: boolean) => void }) {
  const [token, setToken] = useState('');
  const [agency, setAgency] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const code = query().get('error');
  const agencyError = code ? (AGENCY_SIGN_IN_ERRORS as Record<string, string>)[code] ?? AGENCY_SIGN_IN_ERRORS.PROVIDER_ERROR : '';
  // a navigation, not a form post: the hub answers with a redirect to the agency's provider
  const toAgency = () => {
    const next = query().get('next');
    location.assign(`/console/oidc/start?${new URLSearchParams({ tenant: agency.trim(), ...(next ? { next } : {}), ...(notice ? { acknowledged: '1' } : {}) })}`);
  };
  // with a notice, nothing signs in until it is acknowledged (the hub refuses otherwise)
  const blocked = !!notice && !acknowledged;
  return (
    <main>
      <h1>Sign in to the frhub console</h1>
      {(error || agencyError) && <p class="error" role="alert">{error || agencyError}</p>}
      {notice && (
        <section aria-labelledby="notice-heading" class="notice">
          <h2 id="notice-heading">System-use notice</h2>
          {notice.split(/\n\s*\n/).map((para) => <p>{para}</p>)}
          <label><input type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.currentTarget.checked)} /> I have read this notice and accept its conditions</label>
        </section>
      )}
      {link ? (
        <>
          <h2>With the sign-in link you opened</h2>
          <button type="button" disabled={blocked} onClick={() => onToken('', acknowledged)}>Sign in with this link</button>
        </>
      ) : (
        <>
          <h2>Sign in with your agency</h2>
          <form onSubmit={(e) => { e.preventDefault(); if (!blocked) toAgency(); }}>
            <label for="agency">Agency</label>
            <input id="agency" name="agency" required autocomplete="organization" spellcheck={false} aria-describedby="agency-hint" value={agency} onInput={(e) => setAgency(e.currentTarget.value)} />
            <p id="agency-hint" class="hint">Your agency’s short name on this hub (for example county-pd). You sign in at your agency’s own identity provider.</p>
            <button type="submit" disabled={blocked}>Go to your agency’s sign-in</button>
          </form>
          <h2>With a hub token</h2>
          <p>On the hub's machine, <code>npx frhub token --tenant &lt;slug&gt; --subject &lt;principal id&gt; --console</code> prints a link that signs that person in (<code>npx frhub principals list --tenant &lt;slug&gt;</code> gives the ids; an analyst searches only as a person, with a certification). <code>--role &lt;ROLE&gt;</code> instead gives a service account, which cannot search or review. Or paste a hub token below.</p>
          <form onSubmit={(e) => { e.preventDefault(); if (!blocked) onToken(token.trim(), acknowledged); }}>
            <label for="token">Hub token</label>
            <textarea id="token" name="token" rows={4} required autocomplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
            <button type="submit" disabled={blocked}>Sign in</button>
          </form>
        </>
      )}
    </main>
  );
}
