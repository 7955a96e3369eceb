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

const crds = path.resolve(__dirname, '..', '..', 'shared', 'crds');
const groups = {
  'monitoring.coreos.com': ['monitoring.coreos.com_servicemonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml'],
  'argoproj.io': ['argoproj.io_application-crd.yaml', 'argoproj.io_appproject-crd.yaml'],
};
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
