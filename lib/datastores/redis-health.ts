/**
 * Argo CD's health check for the redis-operator's RedisReplication, as a resource
 * customization (argocd-cm `resource.customizations.health.redis.redis.opstreelabs.in_RedisReplication`).
 *
 * Argo CD ships no check for the operator's kinds, so it counts a RedisReplication Healthy as
 * soon as it exists, and the sync wave after the datastores (the applications) starts while
 * Redis has no pod: the applications crash-loop on their connection until it has. The operator
 * (v0.26.0, internal/controller/redisreplication, reconcileStatus) writes into
 * `status.masterNode` the pod it finds to be the master among the Running and Ready ones (a
 * pod alone is the master); until then the replication is Progressing and the next wave waits.
 *
 * What it does not say, by what the operator does:
 * - The operator reconciles every 30 s and watches only the RedisReplication, so the field
 *   follows a Ready pod by up to ~30 s.
 * - With several pods (OrderedReady), the first Ready pod is written as master before the
 *   others start: the wave goes ahead on one pod, which takes writes. When the second comes
 *   up as a standalone master too, the operator finds no single master, clears the field
 *   (Progressing again) and links the replication on a later reconcile.
 * - It never reports Degraded: a Redis that never starts holds the wave, and the sync shows
 *   the RedisReplication Progressing with the message below, which is where to look.
 */
export const REDIS_REPLICATION_HEALTH_KEY = 'redis.redis.opstreelabs.in_RedisReplication';

export const REDIS_REPLICATION_HEALTH_LUA = `hs = {}
if obj.status ~= nil and obj.status.masterNode ~= nil and obj.status.masterNode ~= "" then
  hs.status = "Healthy"
  hs.message = "master " .. obj.status.masterNode
  return hs
end
hs.status = "Progressing"
hs.message = "waiting for the operator to find a master (status.masterNode)"
return hs
`;
