import { buildFleet } from './lib/fleet';
import { renderApp, replaceDirectory } from './lib/render/manifest-writer';

/**
 * The cdk8s app: renders every system for every environment into dist/ (or the folder
 * `cdk8s synth` passes in CDK8S_OUTDIR). Nothing is written unless everything rendered.
 */
export function main(outdir = process.env.CDK8S_OUTDIR ?? 'dist'): void {
  const files = renderApp(buildFleet());
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
