import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// The layout's import rules (docs/design.md) live in .dependency-cruiser.cjs and are checked over the
// real module graph: static imports, `import type`, import(), require() and .cjs files alike. A graph
// sees only specifiers it can read, so a computed one (`require(resolve(...))`) is refused here too.
const ROOT = resolve(__dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CRUISER = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const LAYERS = ['cli', 'server', 'inference', 'schema', 'tenants', 'models', 'migrations', 'console'];

interface Cruise {
  modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[] }[] }[];
  summary: { violations: { from: string; to: string; rule: { name: string } }[]; error: number };
}

/** dependency-cruiser with the project's rules over `dir`; it exits non-zero on a violation, and still prints the graph. */
function cruise(dir: string): Promise<Cruise> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [CRUISER, '--config', CONFIG, '--output-type', 'json', '.'], { cwd: dir, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      try {
        done(JSON.parse(stdout));
      } catch {
        fail(new Error(`dependency-cruiser printed no graph: ${error?.message ?? ''}\n${stderr}`));
      }
    }),
  );
}

const named = (c: Cruise) => c.summary.violations.map((v) => `${v.from} → ${v.to} (${v.rule.name})`).sort();

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(tsx?|[cm]?js)$/.test(p) && !p.endsWith('.d.ts')) yield p;
  }
}

/** Every require()/import() whose specifier is not a literal, found by parsing each file: no graph can follow those. */
function computedSpecifiers(root: string): string[] {
  const found: string[] = [];
  for (const top of LAYERS) {
    let files: string[];
    try {
      files = [...sources(join(root, top))];
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // only files that call either are worth parsing
      if (!/\b(require|import)\s*\(/.test(text)) continue;
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
          const arg = node.arguments[0];
          if (arg && !ts.isStringLiteralLike(arg)) {
            const { line } = source.getLineAndCharacterOfPosition(node.getStart());
            found.push(`${relative(root, file)}:${line + 1}: ${node.getText()}`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return found.sort();
}

/** Cycles between the capability folders of tenants/ (a → b → … → a), each named from its smallest folder: a module graph sees none of them. */
function capabilityCycles(c: Cruise): string[] {
  const folder = (p: string) => p.match(/^tenants\/([^/]+)\//)?.[1];
  const next = new Map<string, Set<string>>();
  for (const m of c.modules) {
    const from = folder(m.source);
    if (!from) continue;
    for (const d of m.dependencies) {
      const to = folder(d.resolved);
      if (to && to !== from) next.set(from, (next.get(from) ?? new Set()).add(to));
    }
  }
  const found = new Set<string>();
  const walk = (path: string[]): void => {
    for (const to of next.get(path[path.length - 1]) ?? []) {
      if (to === path[0]) {
        const at = path.indexOf([...path].sort()[0]);
        found.add([...path.slice(at), ...path.slice(0, at), path[at]].join(' → '));
      } else if (!path.includes(to)) walk([...path, to]);
    }
  };
  for (const start of next.keys()) walk([start]);
  return [...found].sort();
}

describe('import rules (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  describe('the real tree', () => {
    let real: Cruise;
    beforeAll(async () => {
      real = await cruise(ROOT);
    });

    it('sees the graph it checks: TypeScript, .cjs and every layer', () => {
      const edges = real.modules.flatMap((m) => m.dependencies.map((d) => ({ from: m.source, to: d.resolved })));
      expect(real.modules.length).toBeGreaterThan(200);
      expect(edges.some((e) => e.from.startsWith('server/') && e.to.startsWith('inference/'))).toBe(true);
      expect(edges).toContainEqual({ from: 'cli/frhub.cjs', to: 'cli/build.cjs' });
      for (const top of LAYERS) expect(real.modules.some((m) => m.source.startsWith(`${top}/`))).toBe(true);
      // server/'s rooms are there to be checked, each with files in it
      for (const room of ['composition', 'http', 'auth', 'console', 'reports', 'database', 'audit', 'engine']) expect(real.modules.some((m) => m.source.startsWith(`server/${room}/`))).toBe(true);
    });

    it('breaks none of them', () => {
      expect(named(real)).toEqual([]);
    });

    it('has no import or require a graph cannot read', () => {
      expect(computedSpecifiers(ROOT)).toEqual([]);
    });

    it('has no cycle between the capabilities of tenants/', () => {
      expect(capabilityCycles(real)).toEqual([]);
    });
  });

  describe('a tree with one forbidden import of each kind', () => {
    let dir: string;
    let fixture: Cruise;
    const files: Record<string, string> = {
      // allowed edges, which must stay quiet
      'cli/main.ts': `import { createHub } from '../server/composition/create-hub.js';\nexport const main = createHub;\n`,
      'cli/build.cjs': `require('../console/build.cjs');\n`,
      'server/composition/create-hub.ts': `import { resolver } from '../../schema/resolver.js';\nimport { analyze } from '../../inference/engine.js';\nimport { routes } from '../http/routes.js';\nimport { open } from '../database/open.js';\nexport const createHub = () => [resolver, analyze, routes, open];\n`,
      'server/http/routes.ts': `import { open } from '../database/open.js';\nexport const routes = open;\n`,
      'server/database/open.ts': `export const open = () => 1;\n`,
      'server/config.ts': `import { open } from './database/open.js';\nexport const config = open;\n`,
      'schema/resolver.ts': `import { search } from '../tenants/search.service.js';\nexport const resolver = search;\n`,
      'tenants/search.service.ts': `import { Role } from '../models/enums.js';\nexport const search = () => Role;\n`,
      'models/enums.ts': `export enum Role { ANALYST = 'ANALYST' }\n`,
      'models/search.repository.ts': `export const rows = () => [];\n`,
      'inference/engine.ts': `export const analyze = () => 1;\n`,
      'console/build.cjs': `require('./src/main.tsx');\n`,
      'console/src/main.tsx': `export const page = 1;\n`,
      // the forbidden ones
      'tenants/static.ts': `import { resolver } from '../schema/resolver.js';\nexport const x = resolver;\n`,
      'inference/lazy.ts': `export const load = () => import('../server/composition/create-hub.js');\n`,
      'models/legacy.ts': `// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const t = require('../tenants/search.service');\n`,
      'inference/tool.cjs': `require('../cli/build.cjs');\n`,
      'schema/rows.ts': `import { rows } from '../models/search.repository.js';\nexport const r = rows;\n`,
      'server/hub-tools.ts': `import { main } from '../cli/main.js';\nexport const m = main;\n`,
      // server/'s rooms: an adapter reaching up to a route, and a room reaching the composition root
      'server/database/log.ts': `import { routes } from '../http/routes.js';\nexport const l = routes;\n`,
      'server/http/start.ts': `import { createHub } from '../composition/create-hub.js';\nexport const s = createHub;\n`,
      'server/banner.ts': `import { createHub } from './composition/create-hub.js';\nexport const b = createHub;\n`,
      // two capabilities that import each other (access is the shared one: it may not import audit)
      'tenants/access/ability.ts': `import type { Trail } from '../audit/audit-trail.js';\nexport type A = Trail;\n`,
      'tenants/audit/audit-trail.ts': `export type Trail = 1;\n`,
      'tenants/audit/audit.service.ts': `import type { A } from '../access/ability.js';\nexport type S = A;\n`,
      'console/src/api.ts': `import type { Role } from '../../models/enums.js';\nexport type R = Role;\n`,
      'inference/computed.ts': `import { resolve } from 'node:path';\n// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const b = () => require(resolve(__dirname, '../cli/build.cjs'));\n`,
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'frhub-imports-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      fixture = await cruise(dir);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('catches each, by the rule it breaks, and nothing allowed', () => {
      expect(named(fixture)).toEqual(
        [
          'tenants/static.ts → schema/resolver.ts (tenants-layer)', // static import
          'inference/lazy.ts → server/composition/create-hub.ts (inference-layer)', // dynamic import()
          'models/legacy.ts → tenants/search.service.ts (models-layer)', // require
          'inference/tool.cjs → cli/build.cjs (inference-layer)', // a .cjs file
          'schema/rows.ts → models/search.repository.ts (resolvers-never-import-repositories)',
          'server/hub-tools.ts → cli/main.ts (server-layer)', // nothing imports cli/
          'console/src/api.ts → models/enums.ts (console-layer)', // `import type`
          'server/database/log.ts → server/http/routes.ts (server-database-room)', // an adapter knows no route
          'server/http/start.ts → server/composition/create-hub.ts (server-http-room)', // a room below the composition root
          'server/http/start.ts → server/composition/create-hub.ts (server-composition-is-wiring-only)',
          'server/banner.ts → server/composition/create-hub.ts (server-composition-is-wiring-only)', // only cli/ starts a hub
          'tenants/access/ability.ts → tenants/audit/audit-trail.ts (tenants-access-is-shared)',
        ].sort(),
      );
      expect(fixture.summary.error).toBe(12);
    });

    it('finds a cycle between two capabilities', () => {
      expect(capabilityCycles(fixture)).toEqual(['access → audit → access']);
    });

    it('refuses a specifier the graph cannot read', () => {
      expect(computedSpecifiers(dir)).toEqual([`inference/computed.ts:3: require(resolve(__dirname, '../cli/build.cjs'))`]);
    });
  });
});
