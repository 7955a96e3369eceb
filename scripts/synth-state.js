// Whether `dist/` is already what the code renders, so a synth with nothing changed can stop
// early (make-style) instead of rendering, gating and rewriting 600 identical files.
// Up to date means: the app's bundle is current for every input (every TypeScript file it
// imports, releases.json, the lockfile, tsconfig.json, the bundler: scripts/bundle.js), those
// inputs are the ones of the last successful synth, and dist/ is byte for byte what that
// synth wrote. Anything else renders again.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { bundleInputsDigest, root } = require('./bundle');

/** Where the record lives and what it covers; tests pass their own. */
const DEFAULTS = {
  state: path.join(root, '.build', 'synth-state.json'),
  dist: path.join(root, 'dist'),
  inputs: () => bundleInputsDigest('main.ts'),
};

/** A digest of every file under `dist`: paths and contents. */
function distDigest(dist) {
  const hash = crypto.createHash('sha256');
  const walk = dir => {
    let entries;
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { walk(p); } else { hash.update(path.relative(dist, p)).update('\0').update(fs.readFileSync(p)).update('\0'); }
    }
  };
  walk(dist);
  return hash.digest('hex');
}

/** The last synth's record when `dist` is still exactly what the current code renders; else undefined. */
function currentSynth({ state, dist, inputs } = DEFAULTS) {
  let record;
  try { record = JSON.parse(fs.readFileSync(state, 'utf8')); } catch { return undefined; }
  const digest = inputs();
  if (!digest || digest !== record.inputs) { return undefined; }
  return distDigest(dist) === record.dist ? record : undefined;
}

/** Records a successful synth: its inputs, the dist/ it wrote, and what it reported. */
function recordSynth(summary, { state, dist, inputs } = DEFAULTS) {
  const digest = inputs();
  if (!digest) { return; }
  fs.mkdirSync(path.dirname(state), { recursive: true });
  fs.writeFileSync(state, JSON.stringify({ inputs: digest, dist: distDigest(dist), summary }));
}

/** Forgets the record (a failed synth must never be taken for a current one). */
function forgetSynth({ state } = DEFAULTS) {
  fs.rmSync(state, { force: true });
}

module.exports = { currentSynth, recordSynth, forgetSynth };
