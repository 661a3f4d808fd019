#!/usr/bin/env node
// Bundles the web console (console/src, Preact) into dist/console with esbuild: one script, one
// stylesheet, one page; nothing is fetched from elsewhere at run time.
//
// Every `frhub` command runs this (through cli/build.cjs), often beside a hub that is serving
// these files. So it rebuilds only when an input changed since the last build (esbuild's own list of
// the files it bundled, kept outside the served folder), and each file is replaced by a rename, never
// rewritten in place: a browser loading the console meanwhile gets the old file or the new one, whole.
const { buildSync } = require('esbuild');
const { mkdirSync, readFileSync, writeFileSync, renameSync, statSync, existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const src = join(__dirname, 'src');
const dist = join(__dirname, '..', 'dist');
const out = join(dist, 'console');
const record = join(dist, 'console-build.json');
const copied = ['app.css', 'index.html'];
const outputs = ['app.js', ...copied].map((f) => join(out, f));

/** The inputs of the last build, when every one of them and this script are older than its record and every output is there. */
function upToDate() {
  try {
    const built = statSync(record).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(record, 'utf8'));
    return outputs.every((f) => existsSync(f)) && [...inputs, __filename].every((f) => statSync(f).mtimeMs <= built);
  } catch {
    return false; // no record yet, or an input is gone: build
  }
}

/** Writes `file` as a whole: a temporary file beside it, then a rename over it. */
function replace(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

if (!upToDate()) {
  mkdirSync(out, { recursive: true });
  const result = buildSync({
    entryPoints: [join(src, 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outfile: join(out, 'app.js'),
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
    metafile: true,
    absWorkingDir: resolve(__dirname, '..'),
  });
  for (const f of result.outputFiles) replace(f.path, f.contents);
  for (const f of copied) replace(join(out, f), readFileSync(join(src, f)));
  const inputs = [...Object.keys(result.metafile.inputs).map((f) => resolve(__dirname, '..', f)), ...copied.map((f) => join(src, f))];
  replace(record, JSON.stringify({ inputs }, null, 1));
}
