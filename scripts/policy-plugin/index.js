// cdk8s validation plugin (declared in cdk8s.yaml): runs the fleet policy gate over the
// manifests `cdk8s synth` wrote, so the CLI itself fails with a readable report.
'use strict';
const fs = require('fs');
const path = require('path');
const { parse } = require('yaml');
const { bundle, root } = require('../bundle');

class FleetPolicyValidation {
  constructor(props) {
    this.outdir = path.resolve(root, (props && props.outdir) || 'dist');
  }

  async validate(context) {
    const { checkManifests, formatFindings } = require(await bundle('lib/policy/policy.ts'));
    const manifests = context.manifests.map(file => {
      const rel = path.relative(this.outdir, path.resolve(file));
      return { file: rel, env: rel.split(path.sep)[0], object: parse(fs.readFileSync(file, 'utf8')) };
    });
    const findings = checkManifests(manifests);
    const byCheck = new Map();
    for (const f of findings) {
      if (f.exemptBecause) { continue; }
      byCheck.set(f.check, [...(byCheck.get(f.check) || []), f]);
    }
    for (const [check, list] of byCheck) {
      context.report.addViolation({
        ruleName: check,
        recommendation: list.map(f => `${f.object} (${f.file}): ${f.message}`).join('; '),
        fix: [...new Set(list.map(f => f.fix))].join('; '),
        violatingResources: list.map(f => ({ resourceName: f.object, locations: [], manifestPath: path.join(this.outdir, f.file) })),
      });
    }
    const exempt = findings.filter(f => f.exemptBecause);
    if (exempt.length) { context.logger.log(`Declared exemptions:\n${formatFindings(exempt)}`); }
    context.report.submit(byCheck.size === 0 ? 'success' : 'failure', { objects: String(manifests.length), exemptions: String(exempt.length) });
  }
}

module.exports = { FleetPolicyValidation };
