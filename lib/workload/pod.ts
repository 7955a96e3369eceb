import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { RenderedContainer, RUN_AS_GROUP, RUN_AS_USER } from './container';

/** How to put a pod together from rendered containers. */
export interface PodSpecOptions {
  /** Containers; the first is the main one. */
  readonly containers: RenderedContainer[];
  /**
   * Spread pods matching these labels across nodes (kubernetes.io/hostname) and zones.
   * @default - no spread (single-replica workloads)
   */
  readonly spreadSelector?: Record<string, string>;
  /**
   * Pod restart policy.
   * @default - the Kubernetes default for the workload kind
   */
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  /**
   * Seconds between SIGTERM and SIGKILL.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * ServiceAccount the pods run as (e.g. one bound to a cloud identity); its token stays unmounted.
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
}

/**
 * A pod spec that passes Pod Security Standards "restricted": non-root user and group above
 * 10000, seccomp RuntimeDefault, no service-account token (none of our services talk to the API).
 */
export function renderPodSpec(opts: PodSpecOptions): k8s.PodSpec {
  const spread = opts.spreadSelector;
  return {
    automountServiceAccountToken: false,
    ...(opts.serviceAccountName ? { serviceAccountName: opts.serviceAccountName } : {}),
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_GROUP,
      fsGroup: RUN_AS_GROUP,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
    terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds ?? 30,
    ...(spread ? { topologySpreadConstraints: spreadConstraints(spread) } : {}),
    containers: opts.containers.map(c => c.container),
    volumes: opts.containers.flatMap(c => c.volumes),
  };
}

/** Spreads the pods matching `selector` across nodes (strictly) and zones (when possible). */
export function spreadConstraints(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    // Never two replicas on one node while another node has room: a node loss takes one pod.
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector } },
    // Prefer spreading across zones, but a single-zone cluster still schedules.
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
  ];
}
