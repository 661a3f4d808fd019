#!/usr/bin/env node
// `npm run bench:console`: builds the console and prints its first-load JavaScript, gzipped, against the 300 KB budget.
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');

require('./build.cjs');
const dir = join(__dirname, '..', 'dist', 'console');
const BUDGET = 300 * 1024;
// every script the page loads on first visit (one bundle today)
const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));
const raw = scripts.reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
const gz = scripts.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
const kb = (b) => (b / 1024).toFixed(1);
console.log(`console first-load JavaScript: ${kb(gz)} KB gzipped (${kb(raw)} KB raw, ${scripts.length} file(s)); budget ${kb(BUDGET)} KB: ${gz <= BUDGET ? 'within' : 'OVER'}`);
process.exitCode = gz <= BUDGET ? 0 : 1;
