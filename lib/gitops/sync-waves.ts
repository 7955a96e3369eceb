/** Argo CD's sync-wave annotation: lower waves apply, and must be healthy, before higher ones. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * The order a system's objects apply in. Argo CD applies a wave and waits for it to be
 * healthy before the next, so a release rolls out pods before traffic moves to them.
 */
export enum SyncWave {
  /** The Namespace, with its Pod Security labels, before anything that lives in it. */
  NAMESPACE = -3,
  /** Configuration and the network fence: ConfigMaps, claims, NetworkPolicies, alert rules. */
  CONFIG = -2,
  /** Service addresses and datastores, so workloads find them when they start. */
  ADDRESSES = -1,
  /** Deployments, CronJobs, autoscalers, disruption budgets, scrape configs. */
  WORKLOADS = 0,
  /** The blue/green gate: the smoke test of the color going live; it fails the sync before any switch. */
  GATE = 1,
  /** What moves traffic: a blue/green Service's selector, the Ingresses and HTTPRoutes (a canary's weights). */
  TRAFFIC = 2,
  /**
   * The idle blue/green color (its Deployment, HPA and PDB), after the switch: a broken
   * candidate, or a broken color being rolled back from, never holds up the live selector.
   */
  IDLE = 3,
}

const BY_KIND: Record<string, SyncWave> = {
  Namespace: SyncWave.NAMESPACE,
  ConfigMap: SyncWave.CONFIG,
  Secret: SyncWave.CONFIG,
  // Argo CD's health check holds the next wave until the ExternalSecret has synced its Secret.
  ExternalSecret: SyncWave.CONFIG,
  ServiceAccount: SyncWave.CONFIG,
  // With the workloads that mount them: under a WaitForFirstConsumer storage class a claim
  // stays Pending (Progressing, to Argo CD) until a pod using it is scheduled, so a claim in
  // an earlier wave than its consumer never lets the sync reach it (argoproj/argo-cd#12840).
  PersistentVolumeClaim: SyncWave.WORKLOADS,
  NetworkPolicy: SyncWave.CONFIG,
  PrometheusRule: SyncWave.CONFIG,
  Service: SyncWave.ADDRESSES,
  StatefulSet: SyncWave.ADDRESSES,
  // Operator-run datastores, like the StatefulSets they replace.
  RabbitmqCluster: SyncWave.ADDRESSES,
  RedisReplication: SyncWave.ADDRESSES,
  RedisSentinel: SyncWave.ADDRESSES,
  // CloudNativePG: the ObjectStore before the Cluster whose instances archive WAL to it from
  // their first minute; the Cluster (and the Services the operator makes) with the addresses.
  ObjectStore: SyncWave.CONFIG,
  Cluster: SyncWave.ADDRESSES,
  Ingress: SyncWave.TRAFFIC,
  // The Gateway API edge: a route moves traffic (its weights are the canary), like an Ingress;
  // its rate limit and the grants it needs are in place before it, so no route is ever
  // served without its limit.
  HTTPRoute: SyncWave.TRAFFIC,
  BackendTrafficPolicy: SyncWave.CONFIG,
  ReferenceGrant: SyncWave.CONFIG,
};

/**
 * Annotations that place an object in `wave`: a system's {@link SyncWave} (for objects that
 * differ from their kind's wave), or a wave of another folder's own order (the platform's).
 */
export function syncWaveAnnotation(wave: SyncWave | number): Record<string, string> {
  return { [SYNC_WAVE_ANNOTATION]: String(wave) };
}

/**
 * Annotates the sync wave on a freshly rendered object, in place: the wave its constructor
 * chose, else its kind's (every other kind applies with the workloads).
 */
export function applySyncWave(object: { kind: string; metadata?: { annotations?: Record<string, string> } }): void {
  const current = object.metadata?.annotations;
  if (current?.[SYNC_WAVE_ANNOTATION] !== undefined) { return; }
  const wave = String(BY_KIND[object.kind] ?? SyncWave.WORKLOADS);
  if (!current) {
    // "annotations" sorts before every other metadata key, as cdk8s orders them.
    object.metadata = { annotations: { [SYNC_WAVE_ANNOTATION]: wave }, ...object.metadata };
    return;
  }
  const annotations: Record<string, string> = {};
  let placed = false;
  for (const k in current) { // keep keys sorted
    if (!placed && k > SYNC_WAVE_ANNOTATION) { annotations[SYNC_WAVE_ANNOTATION] = wave; placed = true; }
    annotations[k] = current[k];
  }
  if (!placed) { annotations[SYNC_WAVE_ANNOTATION] = wave; }
  object.metadata!.annotations = annotations;
}
