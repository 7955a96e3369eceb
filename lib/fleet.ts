import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { SystemChart } from './chart';
import { Edge, Environment, ENVIRONMENT_NAMES, EnvironmentName } from './environments/environment';
import { checkReleasesUsed, collectMissingReleases } from './environments/releases';
import { ENVIRONMENTS } from './environments/settings';
import { FleetGitOps, GitOpsChart } from './gitops/argo-cd';
import { FleetPlatform } from './platform/platform';
import { PlatformChart } from './platform/platform-chart';
import { novacron } from './systems/novacron';
import { songnodes } from './systems/songnodes';
import { ariaforge } from './systems/ariaforge';
import { domainRunner } from './systems/domain-runner';

/** A system of the fleet: builds its chart for one environment. */
export type SystemBuilder = (scope: Construct, env: Environment) => SystemChart;

/**
 * App context overriding environments' edges, `{ production: 'ingress-nginx' }`: how the release
 * simulation renders production for the ingress-nginx edge too (scripts/simulate/render.ts).
 * Synth never sets it; settings.ts is the edge of record.
 */
export const EDGES_CONTEXT = 'fleet.dev/edges';

/** Every system of the fleet, in render order. */
export const SYSTEMS: Readonly<Record<string, SystemBuilder>> = {
  'songnodes': songnodes,
  'novacron': novacron,
  'ariaforge': ariaforge,
  'domain-runner': domainRunner,
};

/**
 * Builds every system for every environment into `app`, then each environment's platform
 * layer (its values derived from the systems) and its Argo CD app of apps.
 */
export function buildFleet(app: App = new App({ outdir: 'dist' })): App {
  // Every missing release is reported at once, at the end, not one environment at a time.
  collectMissingReleases(app);
  const edges = (app.node.tryGetContext(EDGES_CONTEXT) ?? {}) as Partial<Record<EnvironmentName, Edge>>;
  for (const name of ENVIRONMENT_NAMES) {
    const env = new Environment({ ...ENVIRONMENTS[name], ...(edges[name] ? { edge: edges[name] } : {}) });
    const systems = Object.values(SYSTEMS).map(build => build(app, env));
    const platform = new PlatformChart(app, env, 'platform');
    const config = new PlatformChart(app, env, 'platform-config');
    new FleetPlatform(platform, 'platform', { systems, config });
    new FleetGitOps(new GitOpsChart(app, env), 'argocd', { systems, platform: { outputDir: platform.outputDir, scopes: [platform, config] } });
  }
  // Every key of releases.json must have been asked for by some construct (typos surface here).
  checkReleasesUsed(app);
  return app;
}
