import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES, pageOf as consolePageOf } from '../../console/src/roles';
import { CONSOLE_PAGES, OIDC_CALLBACK, OIDC_START, SESSION_PATH, pageOf } from '../../server/http/console-pages';
import { ROUTES } from '../../server/http/http';
import { buildConsole } from '../support/browser';
import { startHub, type TestHub } from '../support/hub';

// The route label of /metrics' request latency, over real HTTP: a path the hub serves by itself, a
// console page by its page (a search's by /searches/:id), every other path by 'other', so neither an
// id nor a scanner's paths grow the label set.

/** Requests counted under each route label, from the hub's /metrics. */
async function countsByRoute(t: TestHub): Promise<{ counts: Record<string, number>; text: string }> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, route, n] of text.matchAll(/^frhub_http_request_seconds_count\{[^}]*route="([^"]*)"[^}]*\} (\d+)$/gm)) counts[route] = (counts[route] ?? 0) + Number(n);
  return { counts, text };
}

describe('request metrics: one label per route, never a path that varies', () => {
  let t: TestHub;
  beforeAll(async () => {
    buildConsole();
    t = await startHub();
  });
  afterAll(() => t?.close());

  it('labels each console page by its page, a search page by /searches/:id, its assets by /console/assets/:file, anything else by other', async () => {
    const id = randomUUID();
    const html = await (await fetch(`${t.url}/sign-in`)).text();
    const asset = /src="\/console\/assets\/([^"]+)"/.exec(html)![1];
    const cases: [string, string, number, RequestInit?][] = [
      ...CONSOLE_PAGES.map((p): [string, string, number] => [p.replace(':id', id), p, p === '/graphiql' ? 302 : 200]),
      [`/console/assets/${asset}`, '/console/assets/:file', 200],
      ['/console/assets/no-such-file.js', '/console/assets/:file', 404],
      [SESSION_PATH, SESSION_PATH, 415, { method: 'POST', body: 'token=x' }],
      [`${OIDC_START}?tenant=no-such-pd`, OIDC_START, 303],
      [OIDC_CALLBACK, OIDC_CALLBACK, 303],
      ['/searches/a/b', 'other', 404],
      [`/searches/${id}/`, 'other', 200], // Express serves the page with a trailing slash; its label is no page's
      [`/operator/${id}`, 'other', 404],
      ['/searches-of-another-kind', 'other', 404],
      ['/wp-login.php', 'other', 404],
    ];
    for (const [path, label, status, init] of cases) {
      const before = (await countsByRoute(t)).counts[label] ?? 0;
      const res = await fetch(`${t.url}${path}`, { redirect: 'manual', ...init });
      await res.arrayBuffer();
      expect([path, res.status]).toEqual([path, status]);
      expect([path, ((await countsByRoute(t)).counts[label] ?? 0) - before]).toEqual([path, 1]);
    }
    const { counts, text } = await countsByRoute(t);
    // every label is a route of the hub, the assets' one, or other: never an id nor a file's name
    expect(Object.keys(counts).filter((route) => !ROUTES.has(route) && route !== '/console/assets/:file' && route !== 'other')).toEqual([]);
    expect(text).not.toContain(id);
    expect(text).not.toContain(asset);
  });

  it("the operator's manual (docs/operations.md) lists every label", () => {
    const readme = readFileSync(join(__dirname, '../../docs/operations.md'), 'utf8');
    const paragraph = readme.slice(readme.indexOf('`/metrics` (Prometheus: HTTP latency by route'), readme.indexOf('GraphQL latency by the operation'));
    const listed = new Set([...paragraph.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    expect([...ROUTES, '/console/assets/:file', 'other'].filter((route) => !listed.has(route))).toEqual([]);
  });
});

describe('the console’s pages: one list for the hub and the browser', () => {
  it('the hub serves the pages the console routes (console/src/roles.ts PAGES), plus / and /sign-in', () => {
    expect([...CONSOLE_PAGES].sort()).toEqual([...Object.keys(PAGES), '/', '/sign-in'].sort());
  });

  it('the hub and the browser tell a path’s page by one rule', () => {
    const id = randomUUID();
    for (const path of ['/', '/searches', `/searches/${id}`, '/searches/a_b-1', '/searches/a/b', `/searches/${id}/`, '/searches/a.b', `/operator/${id}`, '/graphiql', '/nope']) {
      expect([path, pageOf(path)]).toEqual([path, consolePageOf(path)]);
    }
  });
});
