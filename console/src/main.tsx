import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { discardPendingSignIn, fetchMe, fetchNotice, SessionConflict, signIn, signOut, whenSignedOut, type Identity, type Me } from './api';
import { adminView } from './pages/admin-routes';
import { GraphiqlPage } from './pages/graphiql';
import { AnalystPage } from './pages/analyst';
import { OperatorPage } from './pages/operator';
import { OversightPage } from './pages/oversight';
import { SearchPage } from './pages/search';
import { SearchesPage } from './pages/searches';
import { SignInPage } from './pages/sign-in';
import { HOME, PAGES, pageOf } from './roles';
import { navigate, onLinkClick, usePath } from './router';

const nextOf = () => new URLSearchParams(location.search).get('next') ?? '';
const safeNext = (next: string) => (PAGES[pageOf(next)] ? next : '');
let signedIn = false;

/** One way into a session: a hub token (pasted or from a link), or the sign-in an agency's provider left waiting. */
type Attempt = { token?: string; pending?: boolean; acknowledged?: boolean };

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  // a link's token held until the person acknowledged the system-use notice
  const [linkToken, setLinkToken] = useState('');
  // a sign-in for another identity than the open session's: replaced only when the person confirms
  const [conflict, setConflict] = useState<{ signedIn: Identity; offered: Identity; attempt: Attempt } | null>(null);

  async function enter(attempt?: Attempt, replace = false) {
    try {
      if (attempt) await signIn({ ...attempt, replace });
      const who = await fetchMe();
      signedIn = true;
      setError('');
      setConflict(null);
      setLinkToken('');
      setMe(who);
      if (path === '/' || path === '/sign-in') navigate(safeNext(nextOf()) || HOME[who.role] || '/graphiql', true);
    } catch (e) {
      if (e instanceof SessionConflict && attempt) return void setConflict({ signedIn: e.signedIn, offered: e.offered, attempt });
      setMe(null);
      if (attempt) setError((e as Error).message);
      if (location.pathname !== '/sign-in') navigate(`/sign-in${PAGES[pageOf(location.pathname)] ? `?next=${location.pathname}` : ''}`, true);
    }
  }

  async function keep() {
    if (conflict?.attempt.pending) await discardPendingSignIn();
    setConflict(null);
    setLinkToken('');
    await enter();
  }

  useEffect(() => {
    whenSignedOut(() => {
      // a session that was open and is no longer accepted: it expired, was locked after inactivity, or was ended elsewhere
      if (signedIn) setError('Your session has ended (it expired, was locked after a period without activity, or was signed out or revoked). Sign in again.');
      signedIn = false;
      setMe(null);
      if (location.pathname !== '/sign-in') navigate(`/sign-in${PAGES[pageOf(location.pathname)] ? `?next=${location.pathname}` : ''}`, true);
    });
    // a link from `frhub token --console`: the token sits in the fragment, swapped for a cookie, then cleared
    const takeLink = () => {
      const fromLink = /^#token=([\w.-]+)$/.exec(location.hash)?.[1];
      if (fromLink) history.replaceState(null, '', location.pathname + location.search);
      return fromLink;
    };
    // back from an agency's provider: its sign-in waits for this page to take it
    const finishing = new URLSearchParams(location.search).get('finish') === '1';
    const fromLink = takeLink();
    const noticed = fetchNotice();
    const follow = (link: string | undefined, text: string | null) => {
      if (link && text) {
        setLinkToken(link);
        return void setMe(null);
      }
      return enter(link ? { token: link } : undefined);
    };
    void noticed.then((text) => {
      setNotice(text);
      return finishing ? enter({ pending: true }) : follow(fromLink, text);
    });
    // a link opened in a tab already on the console changes only the fragment: the same rules
    const onHash = () => {
      const link = takeLink();
      if (link) void noticed.then((text) => follow(link, text));
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const page = PAGES[pageOf(path)];
    document.title = `${page?.title ?? 'Sign in'} · frhub console`;
  }, [path]);

  if (conflict) return <ReplaceSession signedIn={conflict.signedIn} offered={conflict.offered} onReplace={() => enter(conflict.attempt, true)} onKeep={() => void keep()} />;
  if (me === undefined) return <main><p>Loading…</p></main>;
  if (me === null || path === '/sign-in' || linkToken) {
    return <SignInPage error={error} notice={notice} link={!!linkToken} onToken={(token, acknowledged) => enter({ token: token || linkToken, acknowledged })} />;
  }

  const page = PAGES[pageOf(path)];
  const allowed = page?.roles.includes(me.role);
  return (
    <>
      <header>
        <nav aria-label="Console">
          {Object.entries(PAGES).filter(([href, p]) => !href.includes(':') && p.roles.includes(me.role)).map(([href, p]) => <a href={href} aria-current={href === path ? 'page' : undefined}>{p.title}</a>)}
        </nav>
        <span class="who">{me.tenant.name} · {me.role}</span>
        <button type="button" onClick={async () => { const atProvider = await signOut(); signedIn = false; if (atProvider) return location.assign(atProvider); setMe(null); navigate('/sign-in', true); }}>Sign out</button>
      </header>
      <main>
        {!page || !allowed ? <NotHere /> : adminView(path) ?? (path === '/operator' ? <OperatorPage /> : path === '/analyst' ? <AnalystPage /> : path === '/oversight' ? <OversightPage /> : path === '/searches' ? <SearchesPage /> : pageOf(path) === '/searches/:id' ? <SearchPage id={path.split('/')[2]} /> : <GraphiqlPage />)}
      </main>
    </>
  );
}

const who = (i: Identity) => `${i.name ?? 'a service account'} (${i.role}) of ${i.tenantName}`;

/** Asks before a sign-in replaces the open session of another identity: a link or a provider's answer never does it silently. */
function ReplaceSession({ signedIn, offered, onReplace, onKeep }: { signedIn: Identity; offered: Identity; onReplace: () => void; onKeep: () => void }) {
  return (
    <main>
      <h1>Replace your session?</h1>
      <p role="alert">You are signed in as <strong>{who(signedIn)}</strong>. This sign-in is for <strong>{who(offered)}</strong>.</p>
      <p>If you did not start this sign-in yourself, keep your session: someone may be trying to make you work under their account.</p>
      <button type="button" onClick={onKeep}>Keep my session</button>{' '}
      <button type="button" onClick={onReplace}>Sign in as {offered.name ?? offered.role} instead</button>
    </main>
  );
}

function NotHere() {
  return (
    <>
      <h1>Not available</h1>
      <p>This page does not exist or is not available to your role. Use the links above.</p>
    </>
  );
}

document.addEventListener('click', onLinkClick);
render(<App />, document.getElementById('app')!);
