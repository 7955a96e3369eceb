// Jest transformer: esbuild turns TypeScript, and the ESM-only kubernetes-models packages,
// into CommonJS (the same transpiler synth uses; type-checking is `tsc --noEmit` in npm test).
'use strict';
const crypto = require('crypto');
const esbuild = require('esbuild');

module.exports = {
  getCacheKey(source, file) {
    return crypto.createHash('sha1').update(esbuild.version).update(file).update(source).digest('hex');
  },
  process(source, file) {
    const { code, map } = esbuild.transformSync(source, {
      loader: file.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      sourcefile: file,
      sourcemap: 'external',
    });
    return { code, map };
  },
};
