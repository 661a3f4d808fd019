import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fetchMe, signIn, signOut, whenSignedOut, type Me } from './api';
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

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState('');

  async function enter(token?: string) {
    try {
      if (token) await signIn(token);
      const who = await fetchMe();
      signedIn = true;
      setError('');
      setMe(who);
      if (path === '/' || path === '/sign-in') navigate(safeNext(nextOf()) || HOME[who.role] || '/graphiql', true);
    } catch (e) {
      setMe(null);
      if (token) setError((e as Error).message);
      if (location.pathname !== '/sign-in') navigate(`/sign-in${PAGES[pageOf(location.pathname)] ? `?next=${location.pathname}` : ''}`, true);
    }
  }

  useEffect(() => {
    whenSignedOut(() => {
      // a session that was open and is no longer accepted: it expired (or was ended elsewhere)
      if (signedIn) setError('Your session has ended (it expired, or you signed out elsewhere). Sign in again.');
      signedIn = false;
      setMe(null);
      if (location.pathname !== '/sign-in') navigate(`/sign-in${PAGES[pageOf(location.pathname)] ? `?next=${location.pathname}` : ''}`, true);
    });
    // a link from `frhub token --console`: the token sits in the fragment, swapped for a cookie, then cleared
    const fromLink = /^#token=([\w.-]+)$/.exec(location.hash)?.[1];
    if (fromLink) history.replaceState(null, '', location.pathname + location.search);
    void enter(fromLink);
  }, []);

  useEffect(() => {
    const page = PAGES[pageOf(path)];
    document.title = `${page?.title ?? 'Sign in'} · frhub console`;
  }, [path]);

  if (me === undefined) return <main><p>Loading…</p></main>;
  if (me === null || path === '/sign-in') return <SignInPage error={error} onToken={(t) => enter(t)} />;

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
