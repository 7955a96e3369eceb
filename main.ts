import { buildFleet } from './lib/fleet';
import { checkManifests, failing, formatFindings } from './lib/policy/policy';
import { renderApp, replaceDirectory } from './lib/render/manifest-writer';

/**
 * The cdk8s app: renders every system for every environment into dist/ (or the folder
 * `cdk8s synth` passes in CDK8S_OUTDIR). Nothing is written unless everything rendered.
 */
export function main(outdir = process.env.CDK8S_OUTDIR ?? 'dist'): void {
  const files = renderApp(buildFleet());
  // One pass of the policy gate over every object, before anything is written.
  const findings = checkManifests(files.filter(f => f.object).map(f => ({ file: f.path, env: f.path.split('/')[0], object: f.object })));
  const failed = failing(findings);
  if (failed.length) {
    throw new Error(`policy gate failed (${failed.length} findings):\n${formatFindings(failed)}`);
  }
  replaceDirectory(outdir, files);
}

/** Entry point for scripts/run-app.js. */
export function run(): void {
  try {
    main();
  } catch (e) {
    console.error(`synth failed; dist/ was left as it was.\n${(e as Error).message}`);
    process.exit(1);
  }
}
