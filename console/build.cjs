#!/usr/bin/env node
// Bundles the web console (console/src, Preact) into dist/console with esbuild: one script, one
// stylesheet, one page; nothing is fetched from elsewhere at run time.
const { buildSync } = require('esbuild');
const { mkdirSync, copyFileSync } = require('node:fs');
const { join } = require('node:path');

const out = join(__dirname, '..', 'dist', 'console');
mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: [join(__dirname, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: join(out, 'app.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(__dirname, 'src', 'app.css'), join(out, 'app.css'));
copyFileSync(join(__dirname, 'src', 'index.html'), join(out, 'index.html'));
