/**
 * Argo CD's health check for the redis-operator's RedisReplication, as a resource
 * customization (argocd-cm `resource.customizations.health.redis.redis.opstreelabs.in_RedisReplication`).
 *
 * Argo CD ships no check for the operator's kinds, so it counts a RedisReplication Healthy as
 * soon as it exists, and the sync wave after the datastores (the applications) starts while
 * Redis has no pod: the applications crash-loop on their connection until it has. The operator
 * (v0.26.0, internal/controller/redisreplication, reconcileStatus) writes the pod it found to be
 * the master into `status.masterNode` once a Redis pod answers, one alone included; until then
 * the replication is Progressing and the next wave waits. It clears the field when it finds no
 * master, so a replication that lost its master reads Progressing again.
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
