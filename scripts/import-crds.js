#!/usr/bin/env node
// Regenerates imports/ from the CRD copies in ../shared/crds (developer machines only:
// nothing reads ../shared at synth or test time). Upstream sources:
//   monitoring.coreos.com: prometheus-operator v0.93.0 (ServiceMonitor, PrometheusRule)
//   argoproj.io: Argo CD (Application, AppProject)
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

// The same setting as `npm run verify --crds`: FLEET_CRDS, by default ../shared/crds.
const crds = path.resolve(__dirname, '..', process.env.FLEET_CRDS || path.join('..', 'shared', 'crds'));
const groups = {
  'monitoring.coreos.com': ['monitoring.coreos.com_servicemonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml'],
  'argoproj.io': ['argoproj.io_application-crd.yaml', 'argoproj.io_appproject-crd.yaml'],
};
const wanted = Object.values(groups).flat();
const absent = wanted.filter(f => !fs.existsSync(path.join(crds, f)));
if (absent.length) {
  console.error(`npm run import: ${fs.existsSync(crds) ? `${absent.join(', ')} missing from` : 'no CRD folder at'} ${crds}.
Fix: set FLEET_CRDS to a folder with the upstream CustomResourceDefinitions, one per file:
  ${wanted.join('\n  ')}
They come from prometheus-operator v0.93.0 (example/prometheus-operator-crd/) and Argo CD
(manifests/crds/); ../shared/crds/SOURCES.md lists the exact tags and paths. imports/ is
committed, so synth and npm test never need them.`);
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
for (const [group, files] of Object.entries(groups)) {
  // One document stream per API group, so each group becomes one module.
  const combined = path.join(tmp, `${group}.yaml`);
  fs.writeFileSync(combined, files.map(f => fs.readFileSync(path.join(crds, f), 'utf8')).join('\n---\n'));
  execFileSync('npx', ['cdk8s', 'import', '--no-check-upgrade', '-l', 'typescript', '-o', 'imports', combined], { stdio: 'inherit' });
}
fs.rmSync(tmp, { recursive: true, force: true });

// The strict unknown-field pass reads its field list from imports/field-index.json.
require('./generate-field-index');
