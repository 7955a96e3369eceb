// cdk8s validation plugin (declared in cdk8s.yaml): runs the fleet policy gate over the
// manifests `cdk8s synth` wrote, so the CLI itself fails with a readable report.
'use strict';
const fs = require('fs');
const path = require('path');
const { parse } = require('yaml');
const { bundle } = require('../bundle');

// The report a successful synth leaves in the CLI's output folder (scripts/synth-report.js).
const { POLICY_REPORT } = require('../synth-report');

class FleetPolicyValidation {
  async validate(context) {
    // `npx cdk8s synth`: the app has already gated every object and written dist/; report its
    // result instead of parsing and checking every manifest a second time.
    const report = context.manifests.find(f => path.basename(f) === POLICY_REPORT);
    if (report) {
      const { dist, objects, exemptions } = parse(fs.readFileSync(report, 'utf8'));
      if (exemptions.length) {
        context.logger.log(`Declared exemptions:\n${exemptions.map(x => `EXEMPT ${x.file} ${x.object} [${x.check}] (exempt: ${x.reason})`).join('\n')}`);
      }
      context.logger.log(`The policy gate passed ${objects} objects, written to ${dist}`);
      context.report.submit('success', { objects: String(objects), exemptions: String(exemptions.length) });
      return;
    }
    // Any other manifests (e.g. a folder rendered elsewhere): gate them here.
    const { checkManifests, formatFindings } = require(await bundle('lib/policy/policy.ts'));
    // Manifests are <outdir>/<env>/<system>/<file>.yaml, wherever `cdk8s synth -o` put them.
    const manifests = context.manifests.map(file => {
      const rel = path.resolve(file).split(path.sep).slice(-3).join('/');
      return { file: rel, env: rel.split('/')[0], path: path.resolve(file), object: parse(fs.readFileSync(file, 'utf8')) };
    });
    const pathOf = new Map(manifests.map(m => [m.file, m.path]));
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
        violatingResources: list.map(f => ({ resourceName: f.object, locations: [], manifestPath: pathOf.get(f.file) })),
      });
    }
    const exempt = findings.filter(f => f.exemptBecause);
    if (exempt.length) { context.logger.log(`Declared exemptions:\n${formatFindings(exempt)}`); }
    context.report.submit(byCheck.size === 0 ? 'success' : 'failure', { objects: String(manifests.length), exemptions: String(exempt.length) });
  }
}

module.exports = { FleetPolicyValidation };
