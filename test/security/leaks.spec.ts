import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pino from 'pino';
import { Role } from '../../models/enums';
import { startHub, type TestHub } from '../support/hub';

const ROOT = resolve(__dirname, '../..');
// where node_modules really is, when it is a link: stack frames name that path
const MODULES_ROOT = dirname(realpathSync(resolve(ROOT, 'node_modules')));
const OTHER_TENANT_NAME = 'River County Narcotics Task Force';
const rand = () => randomBytes(6).toString('hex');

// What the hub says to callers, writes to its log and exposes as metrics must not carry SQL, stack
// traces, install paths, tokens or another tenant's name, and metric labels must stay a small fixed set
// whatever paths and operation names callers send.
describe('no leaks in errors, logs or metrics', () => {
  let t: TestHub;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    t = await startHub({}, { logger });
    await t.createTenant('metro-pd');
    await t.createTenant('river-county', { name: OTHER_TENANT_NAME });
  });
  afterAll(() => t.close());

  it('bad requests: answers, log lines and metrics carry nothing internal; every request log line has its request id', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const forged = `${analyst.token.slice(0, -8)}AAAAAAAA`;
    const fromRequests = lines.length;
    const answers: string[] = [];
    const send = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${t.url}${path}`, init);
      answers.push(await res.text());
      return res;
    };
    const gql = (token: string | null, body: string) =>
      send('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });

    await gql(null, '{"query": ');
    await gql(null, JSON.stringify({ query: 'x'.repeat(40 * 1024 * 1024) }));
    await send('/etc/passwd');
    await gql(forged, JSON.stringify({ query: '{ quotas { used } }' }));
    await gql(`${rand()}.${rand()}.${rand()}`, JSON.stringify({ query: '{ quotas { used } }' }));
    await gql(analyst.token, JSON.stringify({ query: '{ quotas(tenantSlug: "river-county") { used } }' }));
    await gql(analyst.token, JSON.stringify({ query: '{ tenant(id: "00000000-0000-4000-8000-000000000000") { name } }' }));
    await gql(analyst.token, JSON.stringify({ query: '{ quotas { used ' }));
    // an internal fault: a real driver error whose SQL and parameters name the other tenant
    const quotas = jest.spyOn(t.hub.services.quotas, 'status').mockImplementationOnce(
      () => t.hub.database.db.query('SELECT secret FROM no_such_table WHERE name = $1', [OTHER_TENANT_NAME]) as never,
    );
    const faulty = await gql(analyst.token, JSON.stringify({ query: '{ quotas { used } }' }));
    quotas.mockRestore();
    expect(JSON.parse(answers.at(-1)!).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');

    const logged = lines.slice(fromRequests);
    const unexpected = logged.find((l) => l.msg === 'unexpected error in a GraphQL operation');
    expect(unexpected).toMatchObject({ requestId: faulty.headers.get('x-request-id') });
    // every line a request causes names it; background jobs (the audit anchor's writes) name their job instead
    for (const l of logged) expect(l).toHaveProperty(l.job ? 'job' : 'requestId');

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    for (const [what, text] of [['answers', answers.join('\n')], ['log', JSON.stringify(logged)], ['metrics', metrics]]) {
      expect({ what, absolutePath: text.includes(ROOT) || text.includes(`${MODULES_ROOT}/`) }).toEqual({ what, absolutePath: false });
      expect({ what, sql: /\b(SELECT|INSERT|UPDATE|DELETE FROM)\b/.exec(text)?.[0] }).toEqual({ what, sql: undefined });
      expect({ what, token: text.includes(analyst.token.split('.')[2]) || text.includes(forged.split('.')[2]) }).toEqual({ what, token: false });
      expect({ what, otherTenant: text.includes(OTHER_TENANT_NAME) }).toEqual({ what, otherTenant: false });
    }
    expect(answers.join('\n')).not.toMatch(/\bat \S+ \(|\n\s+at /);
  });

  it('metric labels stay a fixed set after 200 requests with random paths and operation names', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const name = `op_${rand()}`;
      sent.push(name);
      if (i % 2) await fetch(`${t.url}/${name}/${rand()}?q=${rand()}`);
      else
        await fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` },
          body: JSON.stringify({ operationName: name, query: i % 4 ? `query ${name} { quotas { used } }` : `query ${name} { ${name} }` }),
        });
    }
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const labels = (metric: string, label: string) => new Set([...metrics.matchAll(new RegExp(`^${metric}_count\\{[^}]*${label}="([^"]*)"`, 'gm'))].map((m) => m[1]));
    expect([...labels('frhub_http_request_seconds', 'route')].sort()).toEqual(expect.arrayContaining(['/graphql', 'other']));
    for (const route of labels('frhub_http_request_seconds', 'route')) expect(['/graphql', '/healthz', '/readyz', '/metrics', 'other']).toContain(route);
    const operations = labels('frhub_graphql_operation_seconds', 'operation');
    expect(operations).toContain('quotas');
    const schema = await t.gql(null, '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }');
    const rootFields = [...schema.data.__schema.queryType.fields, ...schema.data.__schema.mutationType.fields].map((f: { name: string }) => f.name);
    for (const op of operations) expect([...rootFields, 'other', 'multiple']).toContain(op);
    for (const name of sent) expect(metrics).not.toContain(name);
  });
});
