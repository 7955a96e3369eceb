#!/usr/bin/env node
// Runs the cdk8s app (main.ts) for `npm run synth` and `npx cdk8s synth`.
// esbuild transpiles main.ts and lib/ into one file in ~50 ms without type-checking;
// type-checking is `npm test`'s job (tsc --noEmit), so synth stays near Node's start-up cost.
'use strict';
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const entry = process.argv[2] ?? 'main.ts';
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.js'));
esbuild.buildSync({
  entryPoints: [path.join(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.chdir(root);
require(outfile).run(process.argv.slice(3));
