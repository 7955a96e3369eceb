// What a synth says when it succeeded, whether it rendered or found dist/ already current:
// one summary line, and for `npx cdk8s synth` the policy gate's result in the CLI's output
// folder (CDK8S_OUTDIR), which the validation plugin (scripts/policy-plugin) reports.
'use strict';
const fs = require('fs');
const path = require('path');
const { stringify } = require('yaml');

/** The file the validation plugin looks for among the CLI's "manifests". */
const POLICY_REPORT = 'fleet-policy-report.yaml';
const DIST = 'dist';

/**
 * @param {{ objects: number, files: number, environments: number, exemptions: Array<{file:string,object:string,check:string,exemptBecause:string}> }} summary
 * @param {boolean} unchanged dist/ was already current: nothing was rendered or written
 * @param {number} seconds
 */
function report(summary, unchanged, seconds) {
  const cliOutdir = process.env.CDK8S_OUTDIR;
  if (cliOutdir && path.resolve(cliOutdir) !== path.resolve(DIST)) {
    fs.mkdirSync(cliOutdir, { recursive: true });
    fs.writeFileSync(path.join(cliOutdir, POLICY_REPORT), stringify({
      dist: path.resolve(DIST),
      objects: summary.objects,
      exemptions: summary.exemptions.map(f => ({ file: f.file, object: f.object, check: f.check, reason: f.exemptBecause })),
    }));
  }
  const what = `${summary.objects} objects in ${summary.files} files for ${summary.environments} environments`;
  console.log(unchanged
    ? `synth: ${DIST}/ is already what the code renders (${what}); nothing to do (${seconds.toFixed(2)} s)`
    : `synth: ${what} written to ${DIST}/ (${seconds.toFixed(2)} s)`);
}

module.exports = { report, POLICY_REPORT };
