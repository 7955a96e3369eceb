import * as path from 'path';
import { buildFleet } from './lib/fleet';
import { ConfigurationError } from './lib/core/errors';
import { checkManifests, failing, formatFindings, Finding } from './lib/policy/policy';
import { renderApp, replaceDirectory } from './lib/render/manifest-writer';

/** Where the rendered manifests go: always the committed dist/, whoever runs the app. */
export const DIST = 'dist';

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
    .filter(l => /\b(lib|scripts)\//.test(l) || l.includes('main.ts'))
    .slice(0, 5);
  return [`${e.name}: ${e.message}`, ...frames.map(f => `    ${f}`)].join('\n');
}

/**
 * Entry point for scripts/run-app.js (`npm run synth`, and `npx cdk8s synth` through
 * cdk8s.yaml): renders and writes dist/, or exits 1 with what went wrong. run-app.js prints
 * the summary and leaves the cdk8s CLI its report (scripts/synth-report.js).
 */
export function run(): SynthSummary {
  try {
    return main();
  } catch (e) {
    console.error(`synth failed; dist/ was left as it was.\n${describeError(e)}`);
    process.exit(1);
  }
}
