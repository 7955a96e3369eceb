// One esbuild configuration for everything that runs TypeScript outside jest (synth, the
// validation plugin, promote, bench). A changed entry is type-checked first (incrementally),
// then transpiled by esbuild. CommonJS packages stay external and load from node_modules; ESM-only
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
const ALWAYS = ['package-lock.json', 'scripts/bundle.js', 'tsconfig.json'];
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

/** A type error that stops a bundle: nothing was built, nothing written. */
class TypeCheckError extends Error {
  constructor(entry, messages) {
    super(`${entry} does not type-check (${messages.length} error${messages.length === 1 ? '' : 's'}); nothing was written:\n${messages.join('\n')}`);
    this.name = 'TypeCheckError';
  }
}

/**
 * Type-checks `entry` and everything it imports with the project's compiler options, so a
 * misspelled prop fails instead of being dropped. Incremental: the compiler's state is kept
 * in .build/<name>.tsbuildinfo, so a small change re-checks only what it touches. Returns
 * the errors as `file:line:column: message`.
 */
function typeCheck(entry, name) {
  const ts = require('typescript');
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: d => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  const program = ts.createIncrementalProgram({
    rootNames: [path.join(root, entry)],
    options: { ...config.options, types: ['node'], noEmit: true, incremental: true, tsBuildInfoFile: path.join(root, '.build', `${name}.tsbuildinfo`) },
  });
  const diagnostics = [
    ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics(),
  ].filter(d => d.category === ts.DiagnosticCategory.Error);
  program.emit(); // with noEmit, writes only the .tsbuildinfo
  return diagnostics.map(d => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file) { return `error TS${d.code}: ${text}`; }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${path.relative(root, d.file.fileName)}:${line + 1}:${character + 1}: error TS${d.code}: ${text}`;
  });
}

/**
 * Bundles a TypeScript entry (relative to the repo root) into .build/<name>.js; resolves to
 * its path. A changed input is type-checked first and a type error rejects with
 * {@link TypeCheckError}; an unchanged bundle was checked when it was built.
 */
async function bundle(entry, name = path.basename(entry).replace(/\.ts$/, '')) {
  const outfile = path.join(root, '.build', `${name}.js`);
  const manifest = `${outfile}.inputs.json`;
  if (upToDate(outfile, manifest)) { return outfile; }
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const errors = typeCheck(entry, name);
  if (errors.length) { throw new TypeCheckError(entry, errors); }
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

/** The digest of everything that went into `entry`'s current bundle (undefined when it is stale or missing). */
function bundleInputsDigest(entry, name = path.basename(entry).replace(/\.ts$/, '')) {
  const outfile = path.join(root, '.build', `${name}.js`);
  const manifest = `${outfile}.inputs.json`;
  if (!upToDate(outfile, manifest)) { return undefined; }
  return crypto.createHash('sha256').update(fs.readFileSync(manifest)).digest('hex');
}

module.exports = { bundle, bundleInputsDigest, root, TypeCheckError };
