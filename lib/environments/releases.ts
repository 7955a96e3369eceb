import { IConstruct } from 'constructs';
import { BlueGreenSpec, Color, IdlePolicy } from '../bluegreen/blue-green';
import { ConfigurationError, fail } from '../core/errors';
import { nearest } from '../core/spelling';
import { ReleaseProblem, releaseProblems, renameFix } from './release-schema';
import { Environment, EnvironmentName } from './environment';
import releasesJson from './releases.json';

/** A single-color release: one image. */
export interface SingleRelease {
  readonly image: string;
}

/** A blue/green release: an image per color and which one is live. */
export interface BlueGreenRelease {
  readonly active: Color;
  readonly blue?: string;
  readonly green?: string;
  readonly idle?: IdlePolicy;
  readonly canaryWeight?: number;
  readonly liveFloor?: number;
}

export type Release = SingleRelease | BlueGreenRelease;

/** environment → system → service → release. The one committed place for versions and live colors. */
export type ReleaseManifest = Record<EnvironmentName, Record<string, Record<string, Release>>>;

/** Path of the release file, relative to the repository root (the promote script edits it). */
export const RELEASES_FILE = 'lib/environments/releases.json';

/**
 * App context key for a release manifest to build with instead of releases.json (the release
 * simulation renders the fleet at release states of its own, through the same constructs).
 */
export const RELEASES_CONTEXT = 'fleet.dev/releases';

/** The release manifest `scope` builds with: the app's context override, else releases.json. */
export function releasesFor(scope: IConstruct): ReleaseManifest {
  return (scope.node.tryGetContext(RELEASES_CONTEXT) as ReleaseManifest | undefined) ?? (releasesJson as unknown as ReleaseManifest);
}

export function isBlueGreen(r: Release): r is BlueGreenRelease {
  return 'active' in r;
}

/** Schema problems per release object (the file is parsed once; fixtures are objects of their own). */
const problemCache = new WeakMap<object, ReleaseProblem[]>();

/** Which env/system/service keys constructs asked for, per app and release object. */
const lookups = new WeakMap<object, Map<object, Set<string>>>();

function where(path: readonly string[]): string {
  return `${RELEASES_FILE}${path.length ? ` at ${path.map(k => JSON.stringify(k)).join(' → ')}` : ''}`;
}

/** What a missing release should look like, for the fix. */
type ReleaseShape = 'single' | 'blue-green';

/** Releases constructs asked for but the file lacks, per app, while a whole fleet is built. */
const missing = new WeakMap<object, Array<{ env: string; system: string; service: string; shape: ReleaseShape; path: string }>>();

/** A stand-in that lets the build go on to find every other missing release. */
const PLACEHOLDER_IMAGE = 'release.invalid/missing:0';

/**
 * Makes missing releases in `app` be collected instead of failing one at a time; the build
 * then reports all of them at once in {@link checkReleasesUsed}. Used by buildFleet.
 */
export function collectMissingReleases(app: IConstruct): void {
  missing.set(app.node.root, []);
}

function lookup(scope: IConstruct, releases: ReleaseManifest, system: string, service: string, shape: ReleaseShape = 'single'): Release {
  const env = Environment.of(scope);
  // Validated when read: a typo must not silently drop a field (a "canaryweight" is no canary).
  let problems = problemCache.get(releases);
  if (!problems) {
    problems = releaseProblems(releases);
    problemCache.set(releases, problems);
  }
  if (problems.length) {
    // The problem in what this construct asked for first, else the file's first.
    const p = problems.find(q => q.path[0] === env.name && q.path[1] === system) ?? problems[0];
    fail(scope, `${where(p.path)}: ${p.problem}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''} in the file)` : ''}`, p.fix);
  }
  let byReleases = lookups.get(scope.node.root);
  if (!byReleases) {
    byReleases = new Map();
    lookups.set(scope.node.root, byReleases);
  }
  let asked = byReleases.get(releases);
  if (!asked) {
    asked = new Set();
    byReleases.set(releases, asked);
  }
  asked.add(`${env.name}/${system}/${service}`);
  const r = releases[env.name]?.[system]?.[service];
  if (!r) {
    const collected = missing.get(scope.node.root);
    if (collected) {
      collected.push({ env: env.name, system, service, shape, path: scope.node.path });
      return shape === 'blue-green' ? { active: 'blue', blue: PLACEHOLDER_IMAGE, green: PLACEHOLDER_IMAGE } : { image: PLACEHOLDER_IMAGE };
    }
    fail(scope, `no release for ${env.name}/${system}/${service} in ${RELEASES_FILE}`, `add ${releaseLine(service, shape)} under "${env.name}" → "${system}"`);
  }
  return r;
}

/** The releases.json entry to add for a service of `shape`. */
function releaseLine(service: string, shape: ReleaseShape): string {
  return shape === 'blue-green'
    ? `"${service}": { "active": "blue", "blue": "<repository>:<tag>", "green": "<repository>:<tag>" }`
    : `"${service}": { "image": "<repository>:<tag>" }`;
}

/** The image of a single-color workload (datastores, workers, exporters). */
export function imageOf(scope: IConstruct, system: string, service: string, releases: ReleaseManifest = releasesFor(scope)): string {
  const r = lookup(scope, releases, system, service);
  if (isBlueGreen(r)) {
    fail(scope, `${system}/${service} has a blue/green release but is not a blue/green workload`,
      `replace it with { "image": "..." } in ${RELEASES_FILE}`);
  }
  return r.image;
}

/**
 * The image or blue/green spec of an HTTP service, as Microservice props. Highly available
 * environments require blue/green for services that face users; dev may stay single-color.
 */
export function releaseOf(
  scope: IConstruct, system: string, service: string,
  options: { readonly userFacing: boolean; readonly previewHost?: string },
  releases: ReleaseManifest = releasesFor(scope),
): { image: string } | { blueGreen: BlueGreenSpec } {
  const env = Environment.of(scope);
  const blueGreenRequired = options.userFacing && env.settings.highAvailability;
  const r = lookup(scope, releases, system, service, blueGreenRequired ? 'blue-green' : 'single');
  if (isBlueGreen(r)) {
    // Both colors need an image: the preview Service selects the idle one, and promote flips to it.
    const idle = r.active === 'blue' ? 'green' : 'blue';
    if (!r[idle]) {
      fail(scope, `${where([env.name, system, service])}: the ${idle} color has no image, so ${service}-preview would select no pods and promote would have nothing to flip to`,
        `add "${idle}": "<repository>:<tag>" there${r[r.active] ? ` (the live image, "${r[r.active]}", to start with)` : ''}`);
    }
  }
  if (!isBlueGreen(r)) {
    if (blueGreenRequired) {
      fail(scope, `${env.name}/${system}/${service} faces users but its release is single-color`,
        `give it { "active": "blue", "blue": "<image>", "green": "<image>" } in ${RELEASES_FILE}`);
    }
    return { image: r.image };
  }
  return {
    blueGreen: {
      active: r.active,
      ...(r.blue ? { blue: { image: r.blue } } : {}),
      ...(r.green ? { green: { image: r.green } } : {}),
      ...(r.idle ? { idle: r.idle } : {}),
      ...(r.canaryWeight ? { canaryWeight: r.canaryWeight } : {}),
      ...(r.liveFloor ? { liveFloor: r.liveFloor } : {}),
      ...(options.previewHost ? { previewHost: options.previewHost } : {}),
    },
  };
}

/**
 * After the fleet is built: refuses a key of the release file no construct asked for — an
 * unknown system or service, most likely misspelt, whose release would otherwise be ignored.
 * Only environments some construct read are compared, so a partial build checks its part.
 * The error names the chart of the system (or of the nearest-named one).
 */
export function checkReleasesUsed(app: IConstruct, releases: ReleaseManifest = releasesFor(app)): void {
  const absent = missing.get(app.node.root) ?? [];
  if (absent.length) {
    const lines = absent.map(m => `  under "${m.env}" → "${m.system}": ${releaseLine(m.service, m.shape)}   (for ${m.path})`);
    throw new ConfigurationError(absent[0].path,
      `${absent.length} release${absent.length === 1 ? ' is' : 's are'} missing from ${RELEASES_FILE}: ${absent.map(m => `${m.env}/${m.system}/${m.service}`).join(', ')}`,
      `add ${absent.length === 1 ? 'it' : 'them'}:\n${lines.join('\n')}`);
  }
  const asked = lookups.get(app.node.root)?.get(releases) ?? new Set<string>();
  const askedIn = (prefix: string) => [...new Set([...asked].filter(k => k.startsWith(prefix)).map(k => k.slice(prefix.length).split('/')[0]))];
  const pathOf = (env: string, system: string | undefined) =>
    (system !== undefined ? app.node.root.node.tryFindChild(`${env}-${system}`)?.node.path : undefined) ?? `${env}`;
  for (const [env, systems] of Object.entries(releases)) {
    const systemsAsked = askedIn(`${env}/`);
    if (systemsAsked.length === 0) { continue; } // environment not built here
    for (const [system, services] of Object.entries(systems ?? {})) {
      if (!systemsAsked.includes(system)) {
        const near = renameFix(system, systemsAsked, 'systems');
        throw new ConfigurationError(pathOf(env, nearestOr(system, systemsAsked)),
          `${where([env, system])}: "${system}" is not a system built in ${env}`, `${near}, or remove it`);
      }
      const servicesAsked = askedIn(`${env}/${system}/`);
      for (const service of Object.keys(services ?? {})) {
        if (!servicesAsked.includes(service)) {
          throw new ConfigurationError(pathOf(env, system),
            `${where([env, system, service])}: no construct of ${system} asks for "${service}"`,
            `${renameFix(service, servicesAsked, `services of ${system}`)}, or remove it`);
        }
      }
    }
  }
}

function nearestOr(word: string, candidates: string[]): string | undefined {
  return nearest(word, candidates) ?? candidates[0];
}
