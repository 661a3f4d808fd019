import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { Role } from '../../models/enums';
import { abilityOf, authorize } from '../../tenants/access/ability';
import type { Actor } from '../../tenants/shared/actor';

// Access is decided in one place: the actor's CASL ability, built once per actor by abilityOf()
// (tenants/access/ability.ts), and what a role may do or is lives in its role file. These checks
// parse the sources (not grep them), and prove on a planted file that each finds what it forbids.
const ROOT = resolve(__dirname, '../..');
const ABILITY = 'tenants/access/ability.ts';
const LAYERS = ['cli', 'server', 'schema', 'tenants', 'models', 'inference', 'test'];
/** where a role may be named: the ability, the role files, and the actor's own definitions */
const ROLE_PLACES = [ABILITY, 'tenants/access/roles/', 'tenants/shared/actor.ts'];

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.tsx?$/.test(p) && !p.endsWith('.d.ts')) yield p;
  }
}

const isActorRole = (n: ts.Node) => ts.isPropertyAccessExpression(n) && n.name.text === 'role' && ts.isIdentifier(n.expression) && n.expression.text === 'actor';

/** What `where` (a path from the root) does against the rule, one line each. */
function offences(where: string, text: string): string[] {
  const found: string[] = [];
  const source = ts.createSourceFile(where, text, ts.ScriptTarget.Latest, true);
  const at = (n: ts.Node) => `${where}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (where !== ABILITY) {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'defineAbilityFor') found.push(`${at(node)}: defineAbilityFor() outside ${ABILITY}`);
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && ts.isIdentifier(node.expression) && ['createMongoAbility', 'AbilityBuilder', 'createAliasResolver'].includes(node.expression.text)) {
        found.push(`${at(node)}: builds a CASL ability outside ${ABILITY}`);
      }
    }
    if (where.startsWith('tenants/') && !ROLE_PLACES.some((p) => where.startsWith(p))) {
      const compares = ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(node.operatorToken.kind);
      if ((compares && (isActorRole(node.left) || isActorRole(node.right))) || (ts.isSwitchStatement(node) && isActorRole(node.expression))) {
        found.push(`${at(node)}: a branch on the actor's role outside the role files`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('access checks', () => {
  it('builds abilities only in tenants/access/ability.ts and branches on roles only in the role files', () => {
    const found: string[] = [];
    for (const layer of LAYERS) {
      for (const file of sources(join(ROOT, layer))) {
        const where = relative(ROOT, file);
        const text = readFileSync(file, 'utf8');
        // only files that name either are worth parsing
        if (where === 'test/architecture/access.spec.ts' || !/defineAbilityFor|Ability|\.role\b/.test(text)) continue;
        found.push(...offences(where, text));
      }
    }
    expect(found).toEqual([]);
  });

  it('finds each offence in a planted file, and passes the allowed forms beside them', () => {
    const planted = [
      `import { defineAbilityFor, abilityOf } from '../policy/ability.js';`,
      `const a = defineAbilityFor(actor, now);`,
      `const b = new AbilityBuilder(createMongoAbility);`,
      `if (actor.role === Role.AGENCY_ANALYST) go();`,
      `const side = Role.AGENCY_REQUESTER !== actor.role;`,
      `switch (actor.role) { default: }`,
      // allowed: the one access path, and a role that is data (a principal row, an input), not the actor's
      `const ok = abilityOf(actor, now).can('read', 'Search');`,
      `const analyst = p.role === Role.AGENCY_ANALYST;`,
    ].join('\n');
    expect(offences('tenants/search/planted.ts', planted)).toEqual([
      'tenants/search/planted.ts:2: defineAbilityFor() outside tenants/access/ability.ts',
      'tenants/search/planted.ts:3: builds a CASL ability outside tenants/access/ability.ts',
      "tenants/search/planted.ts:4: a branch on the actor's role outside the role files",
      "tenants/search/planted.ts:5: a branch on the actor's role outside the role files",
      "tenants/search/planted.ts:6: a branch on the actor's role outside the role files",
    ]);
    // the same text is the ability's own business in its file
    expect(offences(ABILITY, planted)).toEqual([]);
  });

  it('builds one ability per actor (one per request) and refuses with it', () => {
    const actor: Actor = { requestId: 'r', tenantId: 't1', tenantSlug: 'metro-pd', isOperator: false, principalId: 'p1', role: Role.AGENCY_ANALYST, certifiedUntil: new Date('2030-01-01T00:00:00Z'), tenantSuspended: false };
    const first = abilityOf(actor, new Date('2026-01-01T00:00:00Z'));
    expect(abilityOf(actor, new Date('2026-01-01T00:00:01Z'))).toBe(first);
    expect(abilityOf({ ...actor }, new Date('2026-01-01T00:00:00Z'))).not.toBe(first);
    expect(() => authorize(actor, first, 'create', 'Search', { tenantId: 't1' })).not.toThrow();
    // an agency's administrator never assigns an operator role: refused in the role rules, in words
    const admin: Actor = { ...actor, role: Role.AGENCY_ADMIN };
    expect(() => authorize(admin, abilityOf(admin, new Date()), 'create', 'Principal', { tenantId: 't1', role: Role.HUB_ADMIN })).toThrow(/Only the operator's HUB_ADMIN assigns the HUB_ADMIN role/);
    expect(() => authorize(admin, abilityOf(admin, new Date()), 'create', 'Principal', { tenantId: 't1', role: Role.AGENCY_ANALYST })).not.toThrow();
  });
});
