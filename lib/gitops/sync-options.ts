import { groupKindOf } from '../core/api-group';

/** Argo CD's per-object sync options annotation: comma-separated `Option=value` pairs. */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/**
 * Kinds that hold data or own what holds it, by `<group>/<Kind>` (core group ""). Argo CD must
 * never delete them: not when an Application is deleted or renamed (`Delete=false`, which also
 * holds under the cascade finalizer), nor when the code stops rendering one (`Prune=false`).
 * Deleting a Namespace deletes every claim in it; deleting a datastore CR makes its operator
 * delete the instances, and with some operators their volumes.
 */
const RETAINED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace',
  '/PersistentVolumeClaim',
  'postgresql.cnpg.io/Cluster',
  'barmancloud.cnpg.io/ObjectStore',
  'rabbitmq.com/RabbitmqCluster',
  'redis.redis.opstreelabs.in/Redis',
  'redis.redis.opstreelabs.in/RedisReplication',
  'redis.redis.opstreelabs.in/RedisSentinel',
]);

/** The options every retained object carries. */
const RETAIN: Readonly<Record<string, string>> = { Delete: 'false', Prune: 'false' };

type Rendered = { apiVersion?: string; kind: string; metadata?: { annotations?: Record<string, string> } };

/** True when Argo CD must never delete or prune objects of this apiVersion and kind. */
export function isRetainedKind(apiVersion: string | undefined, kind: string): boolean {
  return RETAINED_KINDS.has(groupKindOf({ apiVersion, kind }));
}

/**
 * Marks a freshly rendered object of a retained kind `Delete=false,Prune=false`, in place,
 * keeping any other sync option it already carries (e.g. `ServerSideApply=true`). Options are
 * written sorted, so the same object always renders the same annotation.
 */
export function applyRetention(object: Rendered): void {
  if (!isRetainedKind(object.apiVersion, object.kind)) { return; }
  const current = object.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION];
  const options = new Map<string, string>();
  for (const pair of (current ?? '').split(',').map(p => p.trim()).filter(Boolean)) {
    const [key, ...value] = pair.split('=');
    options.set(key.trim(), value.join('=').trim());
  }
  for (const [key, value] of Object.entries(RETAIN)) { options.set(key, value); }
  const value = [...options.keys()].sort().map(k => `${k}=${options.get(k)}`).join(',');
  const annotations: Record<string, string> = { ...object.metadata?.annotations, [SYNC_OPTIONS_ANNOTATION]: value };
  // Keys sorted, as cdk8s renders them.
  const sorted = Object.fromEntries(Object.keys(annotations).sort().map(k => [k, annotations[k]]));
  object.metadata = object.metadata?.annotations ? { ...object.metadata, annotations: sorted } : { annotations: sorted, ...object.metadata };
}
