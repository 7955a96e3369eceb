#!/usr/bin/env node
// Runs the cdk8s app (main.ts) for `npm run synth` and `npx cdk8s synth`, or another entry
// (`node scripts/run-app.js scripts/promote.ts -- args`). See scripts/bundle.js: a changed
// entry is type-checked before it is bundled, so code that does not type-check never runs.
// For the app, scripts/synth-state.js skips the work when dist/ is already what the code
// renders (nothing changed since the last successful synth).
'use strict';
const started = Date.now();
const { bundle, root, TypeCheckError } = require('./bundle');

const entry = process.argv[2] ?? 'main.ts';
process.chdir(root);
const isApp = entry === 'main.ts';
const state = isApp ? require('./synth-state') : undefined;
const current = state?.currentSynth();
if (current) {
  require('./synth-report').report(current.summary, true, (Date.now() - started) / 1000);
} else {
  // Stack traces name the TypeScript file and line, not the bundle's.
  process.setSourceMapsEnabled(true);
  bundle(entry).then(outfile => {
    state?.forgetSynth();
    const result = require(outfile).run(process.argv.slice(3));
    if (isApp) {
      state.recordSynth(result);
      require('./synth-report').report(result, false, (Date.now() - started) / 1000);
    }
  }).catch(e => {
    if (e instanceof TypeCheckError) {
      console.error(`${isApp ? 'synth failed; dist/ was left as it was.\n' : ''}${e.message}`);
    } else {
      console.error(e);
    }
    process.exit(1);
  });
}
