// What a change to an operator-run RabbitMQ or Redis can lose. The data lives on volumes the
// operators claim, so dist/ shows no PersistentVolumeClaim to flag: the resource itself is.
import { show } from './object-diff';
import { parseQuantity } from './quantity';

interface Datastore {
  /** Path of the node count. */
  readonly nodes: string;
  /** Path of each node's volume size, if it has one. */
  readonly storage?: string;
  /** What removing the resource does. */
  readonly removed: string;
}

const DATASTORES: Record<string, Datastore> = {
  RabbitmqCluster: {
    nodes: 'spec.replicas',
    storage: 'spec.persistence.storage',
    // The operator makes the cluster the owner of its claims.
    removed: 'removed: the operator deletes its nodes and their volumes, with every queued message',
  },
  RedisReplication: {
    nodes: 'spec.clusterSize',
    storage: 'spec.storage.volumeClaimTemplate.spec.resources.requests.storage',
    removed: 'removed: the operator deletes its nodes (and their volumes unless spec.storage.keepAfterDelete)',
  },
  RedisSentinel: { nodes: 'spec.clusterSize', removed: 'removed: Redis no longer fails over when its master is lost' },
};

function at(o: any, path: string): unknown {
  return path.split('.').reduce((v, k) => v?.[k], o);
}

/**
 * Risk reasons for one change to an operator-run datastore (none for other kinds): removed,
 * in any environment; in production, fewer nodes, smaller volumes, or volumes no longer kept.
 */
export function datastoreRisks(kind: string, change: 'added' | 'removed' | 'changed', before: any, after: any, production: boolean): string[] {
  const d = DATASTORES[kind];
  if (!d || change === 'added') { return []; }
  if (change === 'removed') { return [d.removed]; }
  if (!production) { return []; }
  const out: string[] = [];
  const [b, a] = [at(before, d.nodes), at(after, d.nodes)];
  if (typeof b === 'number' && typeof a === 'number' && a < b) {
    out.push(`${d.nodes} lowered in production: ${b} → ${a} (fewer copies of the data; a majority or a failover target may be lost)`);
  }
  if (d.storage) {
    const [bs, as] = [at(before, d.storage), at(after, d.storage)];
    const [x, y] = [parseQuantity(bs), parseQuantity(as)];
    if (x !== undefined && y !== undefined && y < x) {
      out.push(`${d.storage} lowered in production: ${show(bs)} → ${show(as)} (a volume cannot shrink: only new, empty nodes would get it)`);
    }
  }
  if (kind === 'RedisReplication' && before?.spec?.storage?.keepAfterDelete === true && after?.spec?.storage?.keepAfterDelete !== true) {
    out.push('spec.storage.keepAfterDelete turned off in production: deleting the resource deletes its volumes');
  }
  return out;
}
