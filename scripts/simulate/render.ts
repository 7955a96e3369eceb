import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ReleaseManifest, RELEASES_CONTEXT } from '../../lib/environments/releases';
import { Edge, EnvironmentName } from '../../lib/environments/environment';
import { buildFleet, EDGES_CONTEXT } from '../../lib/fleet';
import { renderApp } from '../../lib/render/manifest-writer';
import { HEALTH_CHECKS } from '../../lib/gitops/health-checks';
import { promoted } from '../promote';

/** One rendering the release simulation asks for. */
interface RenderJob {
  /** The release manifest to start from. */
  readonly releases: ReleaseManifest;
  /**
   * `npm run promote` targets applied to it first, in order, with promote's own logic;
   * `{ target, serving }` is `npm run promote -- <target> --serving N`.
   */
  readonly promote?: Array<string | { readonly target: string; readonly serving?: number }>;
  /** `<env>/<system>` to write. */
  readonly folder: string;
  /**
   * Environments rendered for another edge than settings.ts gives, e.g. `{ production: 'ingress-nginx' }`.
   * @default - the settings' edges
   */
  readonly edges?: Partial<Record<EnvironmentName, Edge>>;
  /** Folder to write its manifests into (flat, like dist/<env>/<system>/). */
  readonly outdir: string;
}

/**
 * `node scripts/run-app.js scripts/simulate/render.ts <jobs.json> [<health.json>]`: renders the
 * fleet at the release states the simulation needs, through the same constructs and writer as
 * synth, in one process. Prints the releases each job ended with (after promotions) as JSON,
 * and writes the Argo CD health customizations the fleet relies on to <health.json>.
 */
export function run(args: string[]): void {
  const jobs = JSON.parse(fs.readFileSync(args[0], 'utf8')) as RenderJob[];
  if (args[1]) {
    // The same checks the platform puts in argocd-cm (lib/gitops/health-checks.ts).
    fs.writeFileSync(args[1], JSON.stringify(HEALTH_CHECKS));
  }
  const results: ReleaseManifest[] = [];
  for (const job of jobs) {
    let releases = job.releases;
    for (const p of job.promote ?? []) {
      releases = typeof p === 'string' ? promoted(releases, p).next : promoted(releases, p.target, p.serving).next;
    }
    const app = new App({ outdir: '/dev/null' });
    app.node.setContext(RELEASES_CONTEXT, releases);
    if (job.edges) { app.node.setContext(EDGES_CONTEXT, job.edges); }
    const files = renderApp(buildFleet(app)).filter(f => f.object && path.dirname(f.path) === job.folder);
    fs.rmSync(job.outdir, { recursive: true, force: true });
    fs.mkdirSync(job.outdir, { recursive: true });
    for (const f of files) { fs.writeFileSync(path.join(job.outdir, path.basename(f.path)), f.content); }
    results.push(releases);
  }
  process.stdout.write(JSON.stringify(results));
}
