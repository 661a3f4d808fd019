#!/usr/bin/env node
// `npx frhub …`: compile what changed, then run the command.
require('./build.cjs');
require('../../dist/server/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code ?? 0; })
  .catch((e) => { console.error(`frhub: ${e && e.message ? e.message : e}`); process.exitCode = 1; });
