// One esbuild configuration for everything that runs TypeScript outside jest (synth, the
// validation plugin, promote, bench). It transpiles without type-checking (`npm test` runs
// tsc --noEmit). CommonJS packages stay external and load from node_modules; ESM-only
// packages (kubernetes-models and its dependencies) are bundled, since the output is CommonJS.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const esmOnly = new Map();

function isEsmOnly(pkg, resolveDir) {
  const key = `${resolveDir}\0${pkg}`;
  if (!esmOnly.has(key)) {
    // Walk up node_modules folders ourselves: `exports` may hide package.json from require.resolve.
    let type;
    for (let dir = resolveDir; ; dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'node_modules', pkg, 'package.json');
      if (fs.existsSync(manifest)) { type = JSON.parse(fs.readFileSync(manifest, 'utf8')).type; break; }
      if (dir === path.dirname(dir)) { break; }
    }
    esmOnly.set(key, type === 'module');
  }
  return esmOnly.get(key);
}

const externalCommonJs = {
  name: 'external-commonjs',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, args => {
      const parts = args.path.split('/');
      const pkg = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      if (pkg.startsWith('node:') || require('module').isBuiltin(pkg)) { return { external: true }; }
      return isEsmOnly(pkg, args.resolveDir) ? undefined : { external: true };
    });
  },
};

// A bundle is reused while every file that went into it has the same content: the inputs
// esbuild reported, plus the lockfile (which packages are ESM decides what is bundled) and
// this script, hashed. Costs ~20 ms against ~250 ms for a build.
const ALWAYS = ['package-lock.json', 'scripts/bundle.js'];
function digest(file) {
  return crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
}

function upToDate(outfile, manifest) {
  try {
    const inputs = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    return fs.existsSync(outfile) && Object.entries(inputs).every(([file, hash]) => digest(path.join(root, file)) === hash);
  } catch {
    return false; // no manifest, or an input is gone
  }
}

/** Bundles a TypeScript entry (relative to the repo root) into .build/<name>.js; resolves to its path. */
async function bundle(entry, name = path.basename(entry).replace(/\.ts$/, '')) {
  const outfile = path.join(root, '.build', `${name}.js`);
  const manifest = `${outfile}.inputs.json`;
  if (upToDate(outfile, manifest)) { return outfile; }
  const result = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [externalCommonJs],
    metafile: true,
  });
  const inputs = [...ALWAYS, ...Object.keys(result.metafile.inputs)].sort();
  fs.writeFileSync(manifest, JSON.stringify(Object.fromEntries(inputs.map(f => [f, digest(path.join(root, f))]))));
  return outfile;
}

module.exports = { bundle, root };
