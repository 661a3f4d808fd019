import { loadConfig } from '../server/config.js';
import { Role } from '../models/enums.js';
import { OPERATOR_SLUG } from '../tenants/directory/tenant.service.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { HubApiError, withHubApi } from './hub-client.js';

// Tenants, principals and galleries through the hub's API, as an administrator would in the console:
// the same checks, refusals and audit events. Lists print one tab-separated row per line; creates print the new id.

const VIA = 'Goes through the API of the hub serving this data directory, else starts one in this process for the command\'s length (a few seconds: the models load).';

/** The caller an administrator of `tenant` would be: the operator's HUB_ADMIN, an agency's AGENCY_ADMIN. */
const adminOf = (tenant: string) => (tenant === OPERATOR_SLUG ? Role.HUB_ADMIN : Role.AGENCY_ADMIN);

function noArgs(args: Args): void {
  if (args.positional.length) throw new UsageError(`no arguments expected, got: ${args.positional.join(' ')}`);
}

/** The hub's refusal as one line, its code first (exit status 1). */
async function api<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof HubApiError) throw new CliError(`${e.code}: ${e.message}`);
    throw e;
  }
}

const rows = (lines: string[][]) => console.log(lines.map((l) => l.join('\t')).join('\n'));

export const tenantsListSpec: CommandSpec = {
  usage: 'frhub tenants list',
  summary: 'Lists every tenant (the operator\'s HUB_ADMIN): slug, status, name, id.',
  details: VIA,
  example: 'npx frhub tenants list',
  run: async (args) => {
    noArgs(args);
    const { tenants } = await withHubApi(loadConfig(), OPERATOR_SLUG, Role.HUB_ADMIN, (call) => api(() => call<{ tenants: { id: string; slug: string; name: string; status: string }[] }>(`{ tenants { id slug name status } }`)));
    rows([['slug', 'status', 'name', 'id'], ...tenants.map((t) => [t.slug, t.status, t.name, t.id])]);
    return 0;
  },
};

export const tenantsCreateSpec: CommandSpec = {
  usage: 'frhub tenants create --slug <slug> --name <name> [--policy-preset <preset>] [--monthly-quota <N>] [--sandbox]',
  summary: 'Creates an agency (the operator\'s HUB_ADMIN) and prints its id.',
  options: [
    ['--slug <slug>', 'the short name tokens and commands use (lower-case letters, digits, hyphens)'],
    ['--name <name>', 'the agency\'s name as people read it'],
    ['--policy-preset <preset>', 'the jurisdiction preset its policy starts from (the policyPresets query lists them)'],
    ['--monthly-quota <N>', 'searches a month (default: the hub\'s FRHUB_DEFAULT_MONTHLY_QUOTA)'],
    ['--sandbox', 'a sandbox for an independent tester (docs/independent-testing.md): apart from every real gallery, for good'],
  ],
  details: VIA,
  example: 'npx frhub tenants create --slug metro-pd --name "Metro Police Department"',
  run: async (args) => {
    noArgs(args);
    const input: Record<string, unknown> = { slug: str(args, 'slug'), name: str(args, 'name') };
    if (typeof args.flags['policy-preset'] === 'string') input.policyPreset = args.flags['policy-preset'];
    if (typeof args.flags['monthly-quota'] === 'string') {
      const n = Number(args.flags['monthly-quota']);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--monthly-quota must be a whole number >= 0, got '${args.flags['monthly-quota']}'`);
      input.monthlyQuota = n;
    }
    if (args.flags.sandbox === true) input.sandbox = true;
    const { createTenant } = await withHubApi(loadConfig(), OPERATOR_SLUG, Role.HUB_ADMIN, (call) =>
      api(() => call<{ createTenant: { id: string } }>(`mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: input })),
    );
    console.log(createTenant.id);
    return 0;
  },
};

export const principalsListSpec: CommandSpec = {
  usage: 'frhub principals list --tenant <slug>',
  summary: 'Lists a tenant\'s people and service accounts (the operator\'s HUB_ADMIN): role, certified until, name, id.',
  options: [['--tenant <slug>', 'the tenant whose principals to list']],
  details: VIA,
  example: 'npx frhub principals list --tenant metro-pd',
  run: async (args) => {
    noArgs(args);
    const tenant = str(args, 'tenant');
    const { principals } = await withHubApi(loadConfig(), OPERATOR_SLUG, Role.HUB_ADMIN, (call) =>
      api(() => call<{ principals: { id: string; name: string; role: string; certifiedUntil: string | null }[] }>(`query($t: String) { principals(tenantSlug: $t) { id name role certifiedUntil } }`, { t: tenant })),
    );
    rows([['role', 'certified until', 'name', 'id'], ...principals.map((p) => [p.role, p.certifiedUntil?.slice(0, 10) ?? '-', p.name, p.id])]);
    return 0;
  },
};

export const principalsCreateSpec: CommandSpec = {
  usage: 'frhub principals create --tenant <slug> --name <name> --role <ROLE> [--certified-until <YYYY-MM-DD>] [--external-subject <sub>]',
  summary: 'Adds a person to a tenant (the operator\'s HUB_ADMIN) and prints the principal\'s id, for `frhub token --subject`.',
  options: [
    ['--tenant <slug>', 'the tenant the person belongs to'],
    ['--name <name>', 'the person\'s name'],
    ['--role <ROLE>', `one of ${Object.values(Role).join(', ')}`],
    ['--certified-until <YYYY-MM-DD>', 'the end of an analyst\'s face-examination certification (an analyst without one cannot search)'],
    ['--external-subject <sub>', 'the subject the agency\'s own identity provider uses for this person'],
  ],
  details: VIA,
  example: 'npx frhub principals create --tenant metro-pd --name "Dana Reyes" --role AGENCY_ANALYST --certified-until 2027-12-31',
  run: async (args) => {
    noArgs(args);
    const role = str(args, 'role');
    if (!(role in Role)) throw new UsageError(`--role must be one of ${Object.values(Role).join(', ')}`);
    const input: Record<string, unknown> = { tenantSlug: str(args, 'tenant'), name: str(args, 'name'), role };
    if (typeof args.flags['certified-until'] === 'string') {
      const d = args.flags['certified-until'];
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d))) throw new UsageError(`--certified-until must be a date YYYY-MM-DD, got '${d}'`);
      input.certifiedUntil = new Date(`${d}T23:59:59Z`).toISOString();
    }
    if (typeof args.flags['external-subject'] === 'string') input.externalSubject = args.flags['external-subject'];
    const { createPrincipal } = await withHubApi(loadConfig(), OPERATOR_SLUG, Role.HUB_ADMIN, (call) =>
      api(() => call<{ createPrincipal: { id: string } }>(`mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: input })),
    );
    console.log(createPrincipal.id);
    return 0;
  },
};

export const galleriesListSpec: CommandSpec = {
  usage: 'frhub galleries list [--tenant <slug>]',
  summary: 'Lists the galleries a tenant may search (its own and those shared with it): owner, templates, name, id.',
  options: [['--tenant <slug>', 'the tenant (default: hub, the operator, whose administrators see every gallery)']],
  details: VIA,
  example: 'npx frhub galleries list --tenant metro-pd',
  run: async (args) => {
    noArgs(args);
    const tenant = str(args, 'tenant', OPERATOR_SLUG);
    const { galleries, me } = await withHubApi(loadConfig(), tenant, adminOf(tenant), (call) =>
      api(() => call<{ me: { tenant: { id: string } }; galleries: { id: string; name: string; tenantId: string; templateCount: number }[] }>(`{ me { tenant { id } } galleries { id name tenantId templateCount } }`)),
    );
    rows([['owner', 'templates', 'name', 'id'], ...galleries.map((g) => [g.tenantId === me.tenant.id ? 'own' : `shared by ${g.tenantId}`, String(g.templateCount), g.name, g.id])]);
    return 0;
  },
};

export const galleriesCreateSpec: CommandSpec = {
  usage: 'frhub galleries create --name <name> [--tenant <slug>]',
  summary: 'Creates a gallery of the tenant and prints its id, for `frhub enroll --gallery`.',
  options: [
    ['--name <name>', 'the gallery\'s name (unique within the tenant)'],
    ['--tenant <slug>', 'the tenant that owns it (default: hub, the operator)'],
  ],
  details: VIA,
  example: 'npx frhub galleries create --tenant hub --name "County booking photos"',
  run: async (args) => {
    noArgs(args);
    const tenant = str(args, 'tenant', OPERATOR_SLUG);
    const name = str(args, 'name');
    const { createGallery } = await withHubApi(loadConfig(), tenant, adminOf(tenant), (call) =>
      api(() => call<{ createGallery: { id: string } }>(`mutation($i: CreateGalleryInput!) { createGallery(input: $i) { id } }`, { i: { name } })),
    );
    console.log(createGallery.id);
    return 0;
  },
};
