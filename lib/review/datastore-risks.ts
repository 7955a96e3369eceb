// What a change to an operator-run PostgreSQL, RabbitMQ or Redis, or to PostgreSQL's backups,
// can lose. The data lives on volumes the operators claim, so dist/ shows no
// PersistentVolumeClaim to flag: the resource itself is.
import { groupKindOf } from '../core/api-group';
import { retentionDays } from '../datastores/postgres-settings';
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

/** By `<group>/<Kind>`: a kind name alone (`Cluster`) is not unique across operators. */
const DATASTORES: Record<string, Datastore> = {
  'postgresql.cnpg.io/Cluster': {
    nodes: 'spec.instances',
    storage: 'spec.storage.size',
    // The Cluster owns its PVCs: deleting it deletes every instance's data.
    removed: 'removed: CloudNativePG deletes its instances and their volumes (the bucket keeps the backups)',
  },
  'rabbitmq.com/RabbitmqCluster': {
    nodes: 'spec.replicas',
    storage: 'spec.persistence.storage',
    // The operator makes the cluster the owner of its claims.
    removed: 'removed: the operator deletes its nodes and their volumes, with every queued message',
  },
  'redis.redis.opstreelabs.in/RedisReplication': {
    nodes: 'spec.clusterSize',
    storage: 'spec.storage.volumeClaimTemplate.spec.resources.requests.storage',
    removed: 'removed: the operator deletes its nodes (and their volumes unless spec.storage.keepAfterDelete)',
  },
  'redis.redis.opstreelabs.in/RedisSentinel': { nodes: 'spec.clusterSize', removed: 'removed: Redis no longer fails over when its master is lost' },
};

function at(o: any, path: string): unknown {
  return path.split('.').reduce((v, k) => v?.[k], o);
}


/**
 * Risk reasons for one change to an operator-run datastore or PostgreSQL's backups (none for
 * other kinds): a datastore removed, in any environment; in production, fewer nodes, smaller
 * volumes, volumes no longer kept, and for PostgreSQL WAL archiving off, a shorter retention,
 * a moved archive, or base backups removed or suspended.
 */
export function datastoreRisks(change: 'added' | 'removed' | 'changed', before: any, after: any, production: boolean): string[] {
  if (change === 'added') { return []; }
  const o = after ?? before;
  const backups = backupRisks(change, before, after, production);
  const d = DATASTORES[groupKindOf(o)];
  if (!d) { return backups; }
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
  if (groupKindOf(o) === 'redis.redis.opstreelabs.in/RedisReplication' && before?.spec?.storage?.keepAfterDelete === true && after?.spec?.storage?.keepAfterDelete !== true) {
    out.push('spec.storage.keepAfterDelete turned off in production: deleting the resource deletes its volumes');
  }
  if (groupKindOf(o) === 'postgresql.cnpg.io/Cluster') {
    const [x, y] = [parseQuantity(before?.spec?.walStorage?.size), parseQuantity(after?.spec?.walStorage?.size)];
    if (x !== undefined && y !== undefined && y < x) {
      out.push(`spec.walStorage.size lowered in production: ${show(before.spec.walStorage.size)} → ${show(after.spec.walStorage.size)} (a volume cannot shrink: only new, empty instances would get it)`);
    }
    const archiver = (c: any) => (c?.spec?.plugins ?? []).find((p: any) => p.isWALArchiver === true && p.enabled !== false)?.name
      ?? (c?.spec?.backup?.barmanObjectStore ? 'spec.backup.barmanObjectStore' : undefined);
    const [was, now] = [archiver(before), archiver(after)];
    if (was && !now) {
      out.push(`WAL archiving turned off in production: ${was} is no longer the WAL archiver (point-in-time recovery ends at this change)`);
    }
  }
  return out;
}

/** PostgreSQL's backups (barman-cloud ObjectStore, CloudNativePG ScheduledBackup), in production. */
function backupRisks(change: 'removed' | 'changed', before: any, after: any, production: boolean): string[] {
  if (!production) { return []; }
  const o = after ?? before;
  switch (groupKindOf(o)) {
    case 'barmancloud.cnpg.io/ObjectStore': {
      if (change === 'removed') { return ['removed in production: WAL archiving and base backups to it stop, and recovery from it needs it back']; }
      const out: string[] = [];
      const [x, y] = [retentionDays(before.spec?.retentionPolicy), retentionDays(after.spec?.retentionPolicy)];
      if (x !== undefined && y !== undefined && y < x) {
        out.push(`spec.retentionPolicy shortened in production: ${show(before.spec.retentionPolicy)} → ${show(after.spec.retentionPolicy)} (older base backups and WAL are deleted)`);
      }
      const [from, to] = [before.spec?.configuration?.destinationPath, after.spec?.configuration?.destinationPath];
      if (from !== to) {
        out.push(`spec.configuration.destinationPath changed in production: ${show(from)} → ${show(to)} (recovery to a point before the change needs the old archive)`);
      }
      return out;
    }
    case 'postgresql.cnpg.io/ScheduledBackup':
      if (change === 'removed') { return [`removed in production: no more base backups of ${before.spec?.cluster?.name ?? 'its cluster'}`]; }
      return after.spec?.suspend === true && before.spec?.suspend !== true ? ['spec.suspend set in production: no more base backups until it is unset'] : [];
    default:
      return [];
  }
}
