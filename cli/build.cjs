#!/usr/bin/env node
// Compiles the TypeScript sources to dist/ with swc (decorator metadata on, as type-graphql needs).
// Fast enough to run before every start; `npm test` type-checks separately with tsc.
const { transformFileSync } = require('@swc/core');
const { readdirSync, mkdirSync, writeFileSync, statSync, existsSync } = require('node:fs');
const { join, dirname, relative } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist');
const options = JSON.parse(require('node:fs').readFileSync(join(root, '.swcrc'), 'utf8'));
delete options.$schema;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) yield p;
  }
}

let built = 0;
for (const top of ['cli', 'server', 'inference', 'schema', 'tenants', 'models', 'migrations']) {
  const dir = join(root, top);
  if (!existsSync(dir)) continue;
  for (const file of sources(dir)) {
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    if (existsSync(target) && statSync(target).mtimeMs >= statSync(file).mtimeMs) continue;
    const { code, map } = transformFileSync(file, { ...options, sourceFileName: relative(dirname(target), file), swcrc: false });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) writeFileSync(`${target}.map`, map);
    built++;
  }
}
if (built) console.error(`frhub build: compiled ${built} file(s) to dist/`);
// the web console's bundle (esbuild), served by the hub from dist/console
require('../console/build.cjs');
