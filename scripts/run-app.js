#!/usr/bin/env node
// Runs the cdk8s app (main.ts) for `npm run synth` and `npx cdk8s synth`, or another entry
// (`node scripts/run-app.js scripts/promote.ts -- args`). See scripts/bundle.js: a changed
// entry is type-checked before it is bundled, so code that does not type-check never runs.
'use strict';
const { bundle, root, TypeCheckError } = require('./bundle');

// Stack traces name the TypeScript file and line, not the bundle's.
process.setSourceMapsEnabled(true);

const entry = process.argv[2] ?? 'main.ts';
bundle(entry).then(outfile => {
  process.chdir(root);
  return require(outfile).run(process.argv.slice(3));
}).catch(e => {
  if (e instanceof TypeCheckError) {
    console.error(`${entry === 'main.ts' ? 'synth failed; dist/ was left as it was.\n' : ''}${e.message}`);
  } else {
    console.error(e);
  }
  process.exit(1);
});
