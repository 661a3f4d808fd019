#!/usr/bin/env node
// `npx frhub …`: compile what changed, then run the command.
require('./build.cjs');
// a command has closed what it opened when it returns; should a handle linger anyway, exit regardless
const end = (code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(), 3000).unref();
};
require('../dist/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => end(code ?? 0))
  .catch((e) => { console.error(`frhub: ${e && e.message ? e.message : e}`); end(1); });
