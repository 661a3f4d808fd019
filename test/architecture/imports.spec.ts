import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// The layout's import rules (docs/design.md), checked on every source file: imports run
// server → schema → tenants → models and server → inference, never back; inference/ is a leaf;
// resolvers never reach a repository.
const ROOT = resolve(__dirname, '../..');
const MAY_IMPORT: Record<string, string[]> = {
  server: ['server', 'inference', 'schema', 'tenants', 'models', 'migrations'],
  inference: ['inference'],
  schema: ['schema', 'tenants', 'models'],
  tenants: ['tenants', 'models'],
  models: ['models'],
  migrations: ['migrations'],
  // the browser's code: served by the hub, it reaches the hub only over HTTP
  console: ['console'],
};

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.tsx?$/.test(p)) yield p;
  }
}

/** [file, the top-level folder it imports from, the specifier] for every relative import of the project's code. */
const imports = Object.keys(MAY_IMPORT).flatMap((top) =>
  [...sources(join(ROOT, top))].flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map(([, spec]) => {
      const target = relative(ROOT, resolve(dirname(file), spec)).split(sep)[0];
      return { file: relative(ROOT, file), from: top, to: target, spec };
    }),
  ),
);

describe('import rules', () => {
  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports.some((i) => i.from === 'server' && i.to === 'inference')).toBe(true);
  });

  it.each(Object.keys(MAY_IMPORT))('%s/ imports only what the layout allows', (top) => {
    const wrong = imports.filter((i) => i.from === top && !MAY_IMPORT[top].includes(i.to)).map((i) => `${i.file}: ${i.spec}`);
    expect(wrong).toEqual([]);
  });

  it('resolvers call services, never repositories', () => {
    const wrong = imports.filter((i) => i.from === 'schema' && /repository/.test(i.spec)).map((i) => `${i.file}: ${i.spec}`);
    expect(wrong).toEqual([]);
  });
});
