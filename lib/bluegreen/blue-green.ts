import { IConstruct } from 'constructs';
import { checkPositiveInt } from '../core/checks';
import { fail } from '../core/errors';
import { ResourceSpec } from '../workload/container';

/** The two colors of a blue/green pair. */
export const COLORS = ['blue', 'green'] as const;
export type Color = typeof COLORS[number];

/** The color that is not `c`. */
export function otherColor(c: Color): Color {
  return c === 'blue' ? 'green' : 'blue';
}

/** What one color runs. */
export interface ColorSpec {
  /** Image with an explicit tag. */
  readonly image: string;
  /**
   * Environment variables that differ from the shared definition (merged over it).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Resources, when this color needs different ones.
   * @default - the shared resources
   */
  readonly resources?: ResourceSpec;
}

/** What happens to the color that is not live. */
export type IdlePolicy = 'warm' | 'scaled-down';

/** Blue/green delivery of one service. */
export interface BlueGreenSpec {
  /** The live color: the stable Service selects it. */
  readonly active: Color;
  /**
   * The blue workload.
   * @default - no blue workload
   */
  readonly blue?: ColorSpec;
  /**
   * The green workload.
   * @default - no green workload
   */
  readonly green?: ColorSpec;
  /**
   * The idle color stays `warm` (its own HPA and PDB, instant rollback) or is
   * `scaled-down` (replicas 0, no HPA, no PDB).
   * @default 'warm'
   */
  readonly idle?: IdlePolicy;
  /**
   * Percent of each host's traffic the preview (idle) color receives through an
   * ingress-nginx canary Ingress; 0 renders none.
   * @default 0
   */
  readonly canaryWeight?: number;
  /**
   * A host that always reaches the preview Service, to try a version before cutover.
   * @default - no preview host
   */
  readonly previewHost?: string;
  /**
   * At least this many replicas of the live color: the count that was serving when it was
   * promoted (`npm run promote -- <target> --serving N`). The live color's autoscaler minimum
   * is raised to it, and Argo CD's health check of the autoscaler (lib/gitops/health-checks.ts)
   * holds the sync until that many pods exist, so traffic moves only to a color as warm as the
   * one it leaves. Delete it later to hand the count back to the autoscaler alone.
   * @default - the autoscaler's own minimum
   */
  readonly liveFloor?: number;
}

/** Checks a blue/green spec for a construct. */
export function checkBlueGreen(scope: IConstruct, spec: BlueGreenSpec): void {
  if (!COLORS.includes(spec.active)) {
    fail(scope, `active color "${spec.active}" does not exist`, 'use "blue" or "green"');
  }
  if (!spec[spec.active]) {
    fail(scope, `the active color ${spec.active} has no image`, `give ${spec.active} an image, or make the other color active`);
  }
  const weight = spec.canaryWeight ?? 0;
  checkPositiveInt(scope, 'canaryWeight', weight, 0);
  if (weight > 100) {
    fail(scope, `canaryWeight ${weight} is above 100`, 'use a percentage from 0 to 100');
  }
  const idle = otherColor(spec.active);
  if (weight > 0 && (!spec[idle] || spec.idle === 'scaled-down')) {
    fail(scope, `canaryWeight ${weight} sends traffic to the ${idle} color, which ${spec[idle] ? 'is scaled down' : 'has no image'}`,
      `set canaryWeight to 0, or give ${idle} an image and keep it warm`);
  }
  if (spec.liveFloor !== undefined) {
    checkPositiveInt(scope, 'liveFloor', spec.liveFloor, 1);
  }
  if (spec.idle !== undefined && !['warm', 'scaled-down'].includes(spec.idle)) {
    fail(scope, `idle policy "${spec.idle}" is unknown`, 'use "warm" or "scaled-down"');
  }
}
