import { IConstruct } from 'constructs';
import { fail } from './errors';

/** The tool that manages every object we render. */
export const MANAGED_BY = 'cdk8s';

/** Label keys shared by every construct; one place so selectors and policies agree. */
export const LabelKeys = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  /** Blue/green color of a workload's pods; Services select on it. */
  color: 'color',
  /** Marks a blue/green service's per-color Service (value: the color); it is never scraped or routed to. */
  colorService: 'fleet.dev/color-service',
  /** On a smoke test's pod: the color it tests (reviewers, dashboards, the traffic map and the simulation read it). */
  testsColor: 'fleet.dev/tests-color',
  /** On a smoke test's pod: the version it tests. */
  testsVersion: 'fleet.dev/tests-version',
} as const;

/** Who an object belongs to: the recommended app.kubernetes.io labels. */
export interface AppIdentity {
  /** The service's name, e.g. `api-server`. */
  readonly name: string;
  /** The instance: the service name, or `<name>-<color>` for one color of a blue/green pair. */
  readonly instance: string;
  /** The role in the system, e.g. `api`, `database`, `worker`. */
  readonly component: string;
  /** The system, e.g. `novacron`. */
  readonly partOf: string;
}

/** Labels for objects that outlive versions (Service, Ingress, NetworkPolicy...). */
export function stableLabels(id: AppIdentity): Record<string, string> {
  return {
    [LabelKeys.name]: id.name,
    [LabelKeys.instance]: id.instance,
    [LabelKeys.component]: id.component,
    [LabelKeys.partOf]: id.partOf,
    [LabelKeys.managedBy]: MANAGED_BY,
  };
}

/** Labels for workloads and pod templates: the stable set plus the version. */
export function versionedLabels(id: AppIdentity, version: string): Record<string, string> {
  return { ...stableLabels(id), [LabelKeys.version]: version };
}

/** Refuses a value that cannot be a label value (it names `what`, e.g. "component"). */
export function checkLabelValue(scope: IConstruct, what: string, value: string): void {
  if (typeof value !== 'string' || !isValidLabelValue(value)) {
    fail(scope, `${what} "${value}" is not a valid label value`,
      'use at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit');
  }
}

/** Label values are at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function isValidLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value));
}
