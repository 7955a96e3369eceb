#!/usr/bin/env node
// Regenerates imports/ from the CRD copies in ../shared/crds (developer machines only:
// nothing reads ../shared at synth or test time). ../shared/crds/SOURCES.md names each file's
// upstream tag. `cdk8s import` writes one module per API group and a later import of the same
// group overwrites an earlier one, so each group's files are joined into one stream first.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

// The same setting as `npm run verify --crds`: FLEET_CRDS, by default ../shared/crds.
const crds = path.resolve(__dirname, '..', process.env.FLEET_CRDS || path.join('..', 'shared', 'crds'));
const { CRD_GROUPS: groups, CRD_FILES: wanted } = require('./crd-list');
const absent = wanted.filter(f => !fs.existsSync(path.join(crds, f)));
if (absent.length) {
  console.error(`npm run import: ${fs.existsSync(crds) ? `${absent.join(', ')} missing from` : 'no CRD folder at'} ${crds}.
Fix: set FLEET_CRDS to a folder with the upstream CustomResourceDefinitions, one per file:
  ${wanted.join('\n  ')}
../shared/crds/SOURCES.md lists the upstream repositories, tags and paths. imports/ is
committed, so synth and npm test never need them.`);
  process.exit(2);
}
// `cdk8s import` records each imported file in cdk8s.yaml (and drops its comments); ours is
// written by hand, so it is put back afterwards.
const cdk8sYaml = path.resolve(__dirname, '..', 'cdk8s.yaml');
const cdk8sYamlText = fs.readFileSync(cdk8sYaml, 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
for (const [group, files] of Object.entries(groups)) {
  // One document stream per API group, so each group becomes one module.
  const combined = path.join(tmp, `${group}.yaml`);
  fs.writeFileSync(combined, files.map(f => fs.readFileSync(path.join(crds, f), 'utf8')).join('\n---\n'));
  execFileSync('npx', ['cdk8s', 'import', '--no-check-upgrade', '-l', 'typescript', '-o', 'imports', combined], { stdio: 'inherit' });
}
fs.rmSync(tmp, { recursive: true, force: true });
fs.writeFileSync(cdk8sYaml, cdk8sYamlText);

// The strict unknown-field pass reads its field list from imports/field-index.json.
require('./generate-field-index');
