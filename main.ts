import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { buildFleet } from './lib/fleet';
import { ConfigurationError } from './lib/core/errors';
import { checkManifests, failing, formatFindings, Finding } from './lib/policy/policy';
import { renderApp, replaceDirectory } from './lib/render/manifest-writer';

/** Where the rendered manifests go: always the committed dist/, whoever runs the app. */
export const DIST = 'dist';

/**
 * The file the app leaves in the cdk8s CLI's output folder (CDK8S_OUTDIR) for the validation
 * plugin: the policy gate's result for what was written to dist/, so the CLI reports it
 * without parsing and checking every manifest a second time.
 */
export const POLICY_REPORT = 'fleet-policy-report.yaml';

/** The gate refused what was rendered; its report says which file, object, check and fix. */
export class PolicyGateFailure extends Error {
  public readonly name = 'PolicyGateFailure';
}

/** What a synth wrote. */
export interface SynthSummary {
  readonly objects: number;
  readonly files: number;
  readonly environments: number;
  readonly exemptions: readonly Finding[];
}

/**
 * The cdk8s app: renders every system for every environment, gates it, and replaces dist/
 * atomically. Nothing is written unless everything rendered and passed the gate.
 */
export function main(outdir = DIST): SynthSummary {
  const files = renderApp(buildFleet());
  const manifests = files.filter(f => f.object);
  // One pass of the policy gate over every object, before anything is written.
  const findings = checkManifests(manifests.map(f => ({ file: f.path, env: f.path.split('/')[0], object: f.object })));
  const failed = failing(findings);
  if (failed.length) {
    throw new PolicyGateFailure(`policy gate failed (${failed.length} findings):\n${formatFindings(failed)}`);
  }
  replaceDirectory(outdir, files);
  return {
    objects: manifests.length,
    files: files.length,
    environments: new Set(files.map(f => f.path.split('/')[0])).size,
    exemptions: findings.filter(f => f.exemptBecause),
  };
}

/** An error as a person needs it: our own errors as they are, anything else with where it happened. */
export function describeError(e: unknown): string {
  if (e instanceof ConfigurationError || e instanceof PolicyGateFailure || !(e instanceof Error)) { return String(e instanceof Error ? e.message : e); }
  // With source maps on (scripts/run-app.js), frames name the TypeScript file and line.
  const root = process.cwd() + path.sep;
  const frames = (e.stack ?? '').split('\n').slice(1)
    .map(l => l.trim().replace(root, ''))
    .filter(l => /\b(lib|main\.ts|scripts)\//.test(l) || l.includes('main.ts'))
    .slice(0, 5);
  return [`${e.name}: ${e.message}`, ...frames.map(f => `    ${f}`)].join('\n');
}

/** Entry point for scripts/run-app.js (`npm run synth`, and `npx cdk8s synth` through cdk8s.yaml). */
export function run(): void {
  const started = Date.now();
  // cdk8s-cli empties its output folder before it runs the app, so that folder is a scratch
  // one (cdk8s.yaml); the app writes dist/ itself, atomically, and leaves the CLI a report.
  const cliOutdir = process.env.CDK8S_OUTDIR;
  let summary: SynthSummary;
  try {
    summary = main();
  } catch (e) {
    console.error(`synth failed; dist/ was left as it was.\n${describeError(e)}`);
    process.exit(1);
  }
  if (cliOutdir && path.resolve(cliOutdir) !== path.resolve(DIST)) {
    fs.mkdirSync(cliOutdir, { recursive: true });
    fs.writeFileSync(path.join(cliOutdir, POLICY_REPORT), stringify({
      dist: path.resolve(DIST),
      objects: summary.objects,
      exemptions: summary.exemptions.map(f => ({ file: f.file, object: f.object, check: f.check, reason: f.exemptBecause })),
    }));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  console.log(`synth: ${summary.objects} objects in ${summary.files} files for ${summary.environments} environments written to ${DIST}/ (${seconds} s)`);
}
