#!/usr/bin/env node
// Runs the cdk8s app (main.ts) for `npm run synth` and `npx cdk8s synth`, or another entry
// (`node scripts/run-app.js scripts/promote.ts -- args`). See scripts/bundle.js.
'use strict';
const { bundle, root } = require('./bundle');

const entry = process.argv[2] ?? 'main.ts';
bundle(entry).then(outfile => {
  process.chdir(root);
  return require(outfile).run(process.argv.slice(3));
}).catch(e => {
  console.error(e);
  process.exit(1);
});
