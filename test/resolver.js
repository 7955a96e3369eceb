// Jest resolver: kubernetes-models and its ESM-only dependencies publish only an "import"
// export condition; resolve those (test/transform.js makes them CommonJS), and nothing else.
'use strict';
const ESM_ONLY = /^(kubernetes-models|@kubernetes-models\/|is-cidr|cidr-regex|ip-regex)/;

module.exports = (request, options) => options.defaultResolver(request, ESM_ONLY.test(request)
  ? { ...options, conditions: ['import', 'default'] }
  : options);
