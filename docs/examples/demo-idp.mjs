// `npm run demo:idp`: sign in to the console through an identity provider, on this machine, in one command.
// Beside a running hub (`npm start`), it starts the OpenID Connect provider the console's tests use
// (test/console/oidc-provider.mjs, the npm package oidc-provider; a development provider whose login
// form accepts any password), creates the agency DEMO_AGENCY (default demo-pd) with a certified
// analyst, a supervisor and an agency administrator who sign in there, and makes the agency trust it,
// all through the hub's GraphQL API with an operator token from `frhub token`. Ctrl-C stops the provider.
// Environment: FRHUB_URL (default http://localhost:$PORT, PORT default 4000), DEMO_IDP_PORT (default
// 4010), DEMO_AGENCY, and the hub's own FRHUB_DATA_DIR (its keys sign the operator token).
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const HUB = (process.env.FRHUB_URL || `http://localhost:${process.env.PORT || 4000}`).replace(/\/$/, '');
const IDP_PORT = Number(process.env.DEMO_IDP_PORT ?? 4010);
const AGENCY = process.env.DEMO_AGENCY || 'demo-pd';
const CLIENT_ID = 'frhub-console';
const inAYear = new Date(Date.now() + 365 * 24 * 3600_000).toISOString().slice(0, 10);
const PEOPLE = [
  { login: 'demo-analyst', name: 'Dana Reyes', role: 'AGENCY_ANALYST', certifiedUntil: `${inAYear}T23:59:59Z` },
  { login: 'demo-supervisor', name: 'Sam Ortiz', role: 'AGENCY_SUPERVISOR' },
  { login: 'demo-admin', name: 'Alex Kim', role: 'AGENCY_ADMIN' },
];

const fail = (message) => {
  console.error(`demo:idp: ${message}`);
  process.exit(1);
};

/** The operator's token, minted by the CLI from the hub's keys (and audited by the hub like any). */
const operatorToken = () =>
  new Promise((done) =>
    execFile(process.execPath, [join(ROOT, 'cli/frhub.cjs'), 'token', '--tenant', 'hub', '--role', 'HUB_ADMIN', '--ttl', '900'], { cwd: ROOT }, (err, stdout, stderr) =>
      err ? fail(`could not mint an operator token: ${stderr.trim() || err.message}`) : done(stdout.trim()),
    ),
  );

async function main() {
  const health = await fetch(`${HUB}/healthz`).catch(() => undefined);
  if (!health?.ok) fail(`no hub answers at ${HUB}: start it first (\`npm start\`), or set FRHUB_URL`);
  const token = await operatorToken();
  const gql = async (query, variables) => {
    const body = await (await fetch(`${HUB}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json();
    if (body.errors) fail(`${body.errors[0].extensions?.code}: ${body.errors[0].message}`);
    return body.data;
  };

  // again and again on one hub: what exists is kept
  const { tenants } = await gql('{ tenants { slug } }');
  if (!tenants.some((t) => t.slug === AGENCY)) await gql('mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }', { i: { slug: AGENCY, name: 'Demo Police Department' } });
  const { principals } = await gql('query($t: String) { principals(tenantSlug: $t) { externalSubject } }', { t: AGENCY });
  for (const p of PEOPLE.filter((p) => !principals.some((q) => q.externalSubject === p.login))) {
    await gql('mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }', {
      i: { tenantSlug: AGENCY, name: p.name, role: p.role, externalSubject: p.login, ...(p.certifiedUntil ? { certifiedUntil: p.certifiedUntil } : {}) },
    });
  }

  // the hub as a browser reaches it, by either loopback name
  const hubs = [...new Set([HUB, HUB.replace('//localhost', '//127.0.0.1'), HUB.replace('//127.0.0.1', '//localhost')])];
  const config = {
    name: 'demo', port: IDP_PORT, clientId: CLIENT_ID,
    redirectUri: hubs.map((h) => `${h}/console/oidc/callback`), postLogoutRedirectUri: hubs.map((h) => `${h}/sign-in`),
    accounts: Object.fromEntries(PEOPLE.map((p) => [p.login, { name: p.name }])),
  };
  const idp = spawn(process.execPath, [join(ROOT, 'test/console/oidc-provider.mjs'), JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const issuer = await new Promise((done) => {
    let out = '';
    idp.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) done(JSON.parse(line).issuer);
    });
    idp.on('exit', (code) => fail(`the identity provider stopped (exit ${code}); is port ${IDP_PORT} taken? set DEMO_IDP_PORT`));
  });
  await gql('mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }', { i: { tenantSlug: AGENCY, issuer, jwksUrl: `${issuer}/jwks`, clientId: CLIENT_ID } });

  const stop = () => {
    idp.removeAllListeners('exit');
    idp.kill();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(
    [
      `demo identity provider ready: ${issuer}, trusted by the agency ${AGENCY}`,
      `Open ${HUB}/sign-in, under "Sign in with your agency" type ${AGENCY}, then log in at the provider as one of (any password):`,
      ...PEOPLE.map((p) => `  ${p.login.padEnd(16)} ${p.name}, ${p.role}${p.certifiedUntil ? ` (certified until ${inAYear})` : ''}`),
      'Ctrl-C stops the provider (the agency keeps trusting its address until you change it).',
    ].join('\n'),
  );
}

main().catch((e) => fail(e.message));
