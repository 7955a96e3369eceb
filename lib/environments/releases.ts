import { IConstruct } from 'constructs';
import { BlueGreenSpec, Color, IdlePolicy } from '../bluegreen/blue-green';
import { fail } from '../core/errors';
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
}

export type Release = SingleRelease | BlueGreenRelease;

/** environment → system → service → release. The one committed place for versions and live colors. */
export type ReleaseManifest = Record<EnvironmentName, Record<string, Record<string, Release>>>;

/** Path of the release file, relative to the repository root (the promote script edits it). */
export const RELEASES_FILE = 'lib/environments/releases.json';

export function isBlueGreen(r: Release): r is BlueGreenRelease {
  return 'active' in r;
}

function lookup(scope: IConstruct, releases: ReleaseManifest, system: string, service: string): Release {
  const env = Environment.of(scope);
  const r = releases[env.name]?.[system]?.[service];
  if (!r) {
    fail(scope, `no release for ${env.name}/${system}/${service} in ${RELEASES_FILE}`,
      `add "${service}": { "image": "<repository>:<tag>" } under "${env.name}" → "${system}"`);
  }
  return r;
}

/** The image of a single-color workload (datastores, workers, exporters). */
export function imageOf(scope: IConstruct, system: string, service: string, releases: ReleaseManifest = releasesJson as ReleaseManifest): string {
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
  releases: ReleaseManifest = releasesJson as ReleaseManifest,
): { image: string } | { blueGreen: BlueGreenSpec } {
  const env = Environment.of(scope);
  const r = lookup(scope, releases, system, service);
  if (!isBlueGreen(r)) {
    if (options.userFacing && env.settings.highAvailability) {
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
      ...(options.previewHost ? { previewHost: options.previewHost } : {}),
    },
  };
}
