import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import {
  ObjectStore, ObjectStoreSpecConfigurationDataCompression, ObjectStoreSpecConfigurationWalCompression,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits, ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests,
} from '../../imports/barmancloud.cnpg.io';
import {
  Cluster, ClusterSpecManagedServicesDisabledDefaultServices, ClusterSpecPostgresqlSynchronousDataDurability,
  ClusterSpecPostgresqlSynchronousMethod, ClusterSpecResourcesLimits, ClusterSpecResourcesRequests,
  ScheduledBackup, ScheduledBackupSpecBackupOwnerReference, ScheduledBackupSpecMethod,
} from '../../imports/postgresql.cnpg.io';
import { SystemChart } from '../chart';
import { SecretKeyReference, SecretReference } from '../config/secret-reference';
import { GKE_METADATA_EGRESS, workloadIdentityAnnotations } from '../config/workload-identity';
import { checkPositiveInt } from '../core/checks';
import { gcsUrl } from '../core/cloud-storage';
import { checkCronScheduleWithSeconds } from '../core/cron';
import { fail } from '../core/errors';
import { checkImage } from '../core/image';
import { checkLabelValue, stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { checkServiceName } from '../core/names';
import { parseBytes } from '../core/quantity';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';
import { Environment } from '../environments/environment';
import { addonNamespaces } from '../platform/namespaces';
import { PodScrape } from '../monitoring/pod-monitor';
import { CNPG_METRICS } from '../observability/catalogue';
import { INetworkEndpoint, PolicyPort, PRIVATE_RANGES, ServiceNetworkPolicy } from '../network/network-policy';
import { checkResources, ResourceSpec } from '../workload/container';
import { CNPG_CLUSTER_LABEL, CNPG_PORTS, cnpgInstanceLabels } from './operator-pods';
import { checkParameter, checkPostgresImageTag, checkPostgresTime, checkRetention } from './postgres-settings';
import { ignoreOperatorPodsForKubeScore } from '../policy/kube-score-ignore';

/** The barman-cloud plugin's name, as the Cluster and ScheduledBackup refer to it. */
const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** The application database a cluster is bootstrapped with. */
export interface PostgresDatabaseSpec {
  /** Database the applications use, e.g. "musicdb". */
  readonly name: string;
  /** Role that owns it; the applications log in as it (its password is in `<cluster>-app`). */
  readonly owner: string;
  /**
   * Extensions created in the database at bootstrap, e.g. ["vector"] (pgvector, which
   * CloudNativePG's `standard` images carry and its `minimal` ones do not).
   * @default - none
   */
  readonly extensions?: string[];
}

/** Base backups and WAL archiving to the environment's backup bucket (barman-cloud plugin). */
export interface PostgresBackupSpec {
  /**
   * When base backups are taken: six cron fields, seconds first, in the operator's time zone
   * (UTC), e.g. "0 0 * * * *" hourly or "0 0 2 * * *" at 02:00.
   */
  readonly schedule: string;
  /**
   * How long base backups and WAL are kept, which is how far back point-in-time recovery
   * reaches: a count of days, weeks or months, e.g. "30d".
   */
  readonly retention: string;
  /**
   * PostgreSQL's archive_timeout: the longest a written WAL segment waits before it is
   * archived, so a quiet database still ships its last writes. With every instance lost, this
   * (plus the upload) is how much is lost: the recovery point.
   * @default '5min' (CloudNativePG's default)
   */
  readonly archiveTimeout?: string;
  /**
   * Requests and limits of the barman-cloud sidecar in each instance pod (it compresses and
   * uploads WAL and base backups).
   * @default - 500m / 512Mi requested, 1 CPU / 1Gi limit
   */
  readonly sidecarResources?: ResourceSpec;
}

/** How commits wait for standbys. */
export type PostgresReplication =
  /**
   * Quorum-based synchronous replication (ANY 1): a commit returns once one standby has
   * flushed its WAL, so a failover that promotes that standby loses nothing. With
   * dataDurability "preferred", writes continue when no standby is healthy (a drain, a zone
   * outage) instead of blocking: availability first, and the WAL archive bounds the loss then.
   */
  | 'quorum'
  /** Asynchronous streaming: commits return at once; a failover loses what the standby had not yet received. */
  | 'async';

export interface PostgresClusterProps {
  /**
   * PostgreSQL operand image, tag starting with the major version (the operator reads it),
   * e.g. "ghcr.io/cloudnative-pg/postgresql:16.4-standard-trixie", best with a digest.
   */
  readonly image: string;
  /**
   * PostgreSQL instances: one primary, the rest hot standbys.
   * @default 3 in highly available environments, 1 otherwise
   */
  readonly instances?: number;
  /** Requests and limits of each instance's PostgreSQL container. */
  readonly resources: ResourceSpec;
  /** Size of each instance's data volume, e.g. "100Gi"; it can grow later, never shrink. */
  readonly storage: string;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /** The application database and its owner. */
  readonly database: PostgresDatabaseSpec;
  /**
   * postgresql.conf parameters (values as strings), e.g. { max_connections: "200" }. A
   * `pg_stat_statements.*` parameter makes the operator preload and create pg_stat_statements.
   * @default - CloudNativePG's defaults
   */
  readonly parameters?: Record<string, string>;
  /**
   * How commits wait for standbys; only with more than one instance.
   * @default 'quorum' with more than one instance
   */
  readonly replication?: PostgresReplication;
  /** Base backups and WAL archiving. */
  readonly backup: PostgresBackupSpec;
  /**
   * Prometheus scrape interval of the instances' exporter (port `metrics`, 9187).
   * @default '30s'
   */
  readonly metricsInterval?: string;
  /**
   * Export pg_stat_statements' cumulative execution time and calls as
   * `cnpg_pg_stat_statements_total_exec_time_seconds` and `cnpg_pg_stat_statements_calls`
   * (a custom-queries ConfigMap), for a mean-query-time alert. Needs a
   * `pg_stat_statements.*` parameter.
   * @default false
   */
  readonly queryStatistics?: boolean;
  /**
   * Label app.kubernetes.io/component of the rendered objects.
   * @default 'database'
   */
  readonly component?: string;
  /**
   * Start from another cluster's backups instead of an empty database: the newest base backup
   * before `targetTime`, then its WAL up to it (point-in-time recovery). The cluster named
   * must have archived to this environment's backup bucket from the same namespace (read
   * through this cluster's own ObjectStore, so the old one need not exist any more); this
   * cluster then archives to a folder of its own name.
   * @default - a new, empty database (initdb)
   */
  readonly restoreFrom?: PostgresRestoreSpec;
}

/** Where a cluster is restored from. */
export interface PostgresRestoreSpec {
  /** Name of the cluster whose backups to restore (its folder in the bucket). */
  readonly cluster: string;
  /**
   * The moment to restore to, with its zone, e.g. "2026-11-26 10:40:00+00".
   * @default - the latest WAL archived
   */
  readonly targetTime?: string;
}

/** How an application reaches a database: typed, from the cluster, never a string typed twice. */
export interface PostgresConnection {
  /** Service host name in the cluster's namespace: `<cluster>-rw` for the primary. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Database name. */
  readonly database: string;
  /** Role to log in as. */
  readonly user: string;
  /** The role's password: key `password` of the operator-generated `<cluster>-app` Secret. */
  readonly password: SecretKeyReference;
}

/**
 * A PostgreSQL cluster on CloudNativePG, with everything it needs to lose nothing:
 *
 * - a `Cluster`: instances spread over nodes (required anti-affinity in highly available
 *   environments), resources, storage, parameters, bootstrap of the application database,
 *   quorum replication, the operator's PodDisruptionBudgets (not rendered here: the operator
 *   makes `<name>` and `<name>-primary`; single-instance clusters get none, so a drain is
 *   never blocked), and its Services: `<name>-rw` for writes and one read-only Service;
 * - WAL archiving and base backups through the barman-cloud plugin: an `ObjectStore` on the
 *   environment's backup bucket, reached through GKE Workload Identity (the operator-made
 *   ServiceAccount `<name>` is annotated; no key), a retention, and a `ScheduledBackup`;
 * - a `PodMonitor` for the instances' exporter (job label = the cluster name);
 * - a NetworkPolicy admitting clients, the instances among themselves, the operator (in the
 *   platform's namespace for it, lib/platform/namespaces.ts) and
 *   Prometheus, and letting the instances reach the API server and object storage.
 *
 * Applications take {@link connection} (or {@link readOnlyConnection}) and are let in with
 * `connect(app, postgres, ['postgres'])`.
 */
export class PostgresCluster extends Construct implements INetworkEndpoint {
  public readonly name: string;
  public readonly namespaceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts: Record<string, PolicyPort>;
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly instances: number;
  public readonly cluster: Cluster;
  public readonly objectStore: ObjectStore;
  public readonly scheduledBackup: ScheduledBackup;
  /** The PodMonitor of the instances' exporter (job = the cluster's name). */
  public readonly podScrape: PodScrape;
  /** The custom-queries ConfigMap, with `queryStatistics`. */
  public readonly metricsQueries?: k8s.KubeConfigMap;
  /** The primary, read-write: `<name>-rw`. */
  public readonly connection: PostgresConnection;
  /**
   * Read-only, for reporting: `<name>-ro` (the standbys) with more than one instance; a
   * single instance has no standby, so then `<name>-r` (any instance: the primary).
   */
  public readonly readOnlyConnection: PostgresConnection;
  /** The operator-generated Secret of the owner's credentials (`<name>-app`). */
  public readonly appSecret: SecretReference;

  constructor(scope: Construct, name: string, props: PostgresClusterProps) {
    checkNameIsFree(scope, name, 'datastore');
    super(scope, name);
    recordDefinition(this);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    const ha = env.settings.highAvailability;
    // CloudNativePG's webhook: a DNS-1035 label of at most 50 (its Services add "-rw", its Jobs more).
    checkServiceName(this, 'cluster name', name, 50);
    this.name = name;
    this.namespaceName = chart.namespaceName;

    const instances = props.instances ?? (ha ? 3 : 1);
    checkPositiveInt(this, 'instances', instances);
    if (ha && instances < 2) {
      fail(this, `instances is ${instances} in ${env.name}, which must be highly available`,
        'run at least 2 instances (3 in production) so that losing or draining a node promotes a standby instead of stopping the database');
    }
    this.instances = instances;
    checkImage(this, props.image);
    checkPostgresImageTag(this, props.image);
    checkResources(this, props.resources);
    if (parseBytes(this, 'storage', props.storage) < 2 ** 30) {
      fail(this, `storage "${props.storage}" is below 1Gi`, 'give each instance at least "1Gi" of data volume (WAL alone needs room)');
    }
    const extensions = props.database.extensions ?? [];
    for (const [what, value] of [['database.name', props.database.name], ['database.owner', props.database.owner], ...extensions.map(e => ['database.extensions', e])]) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
        fail(this, `${what} "${value}" is not a plain PostgreSQL identifier`, 'use at most 63 lowercase letters, digits and \'_\', starting with a letter or \'_\'');
      }
    }
    if (props.database.owner === 'postgres') {
      fail(this, 'database.owner "postgres" is the superuser', 'give the applications their own role, e.g. the database name');
    }
    if (extensions.includes('vector') && /cloudnative-pg\/postgresql:[^@]*-minimal-/.test(props.image)) {
      fail(this, `database.extensions has "vector" but image "${props.image}" is a minimal image, which has no pgvector`,
        'use the standard image of the same version (its tag has "-standard-" instead of "-minimal-")');
    }
    const parameters = props.parameters ?? {};
    for (const [key, value] of Object.entries(parameters)) {
      checkParameter(this, key, value);
    }
    if (props.queryStatistics && !Object.keys(parameters).some(k => k.startsWith('pg_stat_statements.'))) {
      fail(this, 'queryStatistics is set but no pg_stat_statements.* parameter is',
        'add e.g. parameters["pg_stat_statements.track"] = "top": the operator then preloads pg_stat_statements and creates the extension');
    }
    const replication = props.replication ?? (instances > 1 ? 'quorum' : 'async');
    if (replication !== 'quorum' && replication !== 'async') {
      fail(this, `replication "${replication}" is not "quorum" or "async"`, 'use "quorum" (commits wait for one standby) or "async"');
    }
    if (replication === 'quorum' && instances < 2) {
      fail(this, `replication "quorum" needs a standby, but instances is ${instances}`, 'run at least 2 instances, or use replication "async"');
    }
    const archiveTimeout = props.backup.archiveTimeout ?? '5min';
    if (checkPostgresTime(this, 'backup.archiveTimeout', archiveTimeout) === 0) {
      fail(this, `backup.archiveTimeout "${archiveTimeout}" is zero, which turns it off`,
        'give a positive time, e.g. "1min": without it a quiet database\'s last writes may never reach the archive');
    }
    checkRetention(this, 'backup.retention', props.backup.retention);
    if (props.restoreFrom) {
      checkServiceName(this, 'restoreFrom.cluster', props.restoreFrom.cluster, 50);
      if (props.restoreFrom.cluster === name) {
        fail(this, `restoreFrom.cluster "${name}" is this cluster`,
          `restore into a cluster of another name (e.g. "${name}-restored"): its WAL archive must not mix with the one it restores from`);
      }
      const t = props.restoreFrom.targetTime;
      if (t !== undefined && !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$/.test(t)) {
        fail(this, `restoreFrom.targetTime "${t}" is not a timestamp with a time zone`, 'write "YYYY-MM-DD HH:MM:SS" and the zone, e.g. "2026-11-26 10:40:00+00"');
      }
    }
    checkCronScheduleWithSeconds(this, 'backup.schedule', props.backup.schedule);
    const sidecarResources = props.backup.sidecarResources
      ?? { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
    checkResources(this, sidecarResources);
    const component = props.component ?? 'database';
    checkLabelValue(this, 'component', component);

    const labels = stableLabels({ name, instance: name, component, partOf: chart.system });
    this.podSelector = { [CNPG_CLUSTER_LABEL]: name };
    const instancePods = cnpgInstanceLabels(name);
    this.networkPorts = { postgres: { port: CNPG_PORTS.postgresql, protocol: 'TCP' } };
    const backups = env.settings.objectStorage.backups;

    // ---- Object storage: WAL and base backups, kept for the retention.
    const storeName = `${name}-backups`;
    this.objectStore = new ObjectStore(this, 'object-store', {
      metadata: namespacedMeta(this, storeName, labels),
      spec: {
        configuration: {
          // barman adds the server name (the cluster's): gs://<bucket>/<namespace>/<cluster>/{base,wals}.
          destinationPath: gcsUrl(backups.bucket, chart.namespaceName),
          googleCredentials: { gkeEnvironment: true },
          wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP },
          data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP },
        },
        retentionPolicy: props.backup.retention,
        instanceSidecarConfiguration: {
          resources: {
            requests: {
              cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(sidecarResources.requests.cpu),
              memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(sidecarResources.requests.memory),
            },
            limits: {
              cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(sidecarResources.limits.cpu),
              memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(sidecarResources.limits.memory),
            },
          },
        },
      },
    });

    if (props.queryStatistics) {
      // Cumulative counters; the alert takes their rate, so it sees the last minutes, not all time.
      const queries = [
        'pg_stat_statements:',
        '  query: |',
        '    SELECT COALESCE(SUM(total_exec_time), 0) / 1000 AS total_exec_time_seconds,',
        '           COALESCE(SUM(calls), 0) AS calls',
        '    FROM pg_stat_statements',
        '  metrics:',
        '    - total_exec_time_seconds:',
        '        usage: COUNTER',
        '        description: Time spent executing the statements pg_stat_statements tracks, in seconds',
        '    - calls:',
        '        usage: COUNTER',
        '        description: Executions of the statements pg_stat_statements tracks',
        '',
      ].join('\n');
      this.metricsQueries = new k8s.KubeConfigMap(this, 'metrics-queries', {
        // cnpg.io/reload: the operator reloads the queries when the ConfigMap changes.
        metadata: namespacedMeta(this, `${name}-monitoring`, { ...labels, 'cnpg.io/reload': '' }),
        data: { queries },
      });
    }

    // ---- The cluster.
    const appSecret = `${name}-app`;
    this.appSecret = SecretReference.fromOperator(appSecret);
    this.cluster = new Cluster(this, 'Resource', {
      metadata: namespacedMeta(this, name, labels),
      spec: {
        instances,
        // Pinned by the release file (a digest is best). The pull policy stays CloudNativePG's
        // IfNotPresent: a failover must not wait for, or fail on, a registry.
        imageName: props.image,
        resources: {
          requests: { cpu: ClusterSpecResourcesRequests.fromString(props.resources.requests.cpu), memory: ClusterSpecResourcesRequests.fromString(props.resources.requests.memory) },
          limits: { cpu: ClusterSpecResourcesLimits.fromString(props.resources.limits.cpu), memory: ClusterSpecResourcesLimits.fromString(props.resources.limits.memory) },
        },
        storage: { size: props.storage, ...(props.storageClass ? { storageClass: props.storageClass } : {}) },
        bootstrap: props.restoreFrom ? {
          recovery: {
            source: props.restoreFrom.cluster,
            database: props.database.name,
            owner: props.database.owner,
            ...(props.restoreFrom.targetTime ? { recoveryTarget: { targetTime: props.restoreFrom.targetTime } } : {}),
          },
        } : {
          initdb: {
            database: props.database.name,
            owner: props.database.owner,
            // Checksums catch silent corruption on the volume; they can only be chosen at initdb.
            dataChecksums: true,
            ...(extensions.length ? { postInitApplicationSql: extensions.map(e => `CREATE EXTENSION IF NOT EXISTS ${e}`) } : {}),
          },
        },
        ...(props.restoreFrom ? {
          externalClusters: [{
            name: props.restoreFrom.cluster,
            plugin: {
              name: BARMAN_CLOUD_PLUGIN,
              // The same bucket folder as this cluster's own store; the old cluster's objects may be gone.
              parameters: { barmanObjectName: storeName, serverName: props.restoreFrom.cluster },
            },
          }],
        } : {}),
        postgresql: {
          parameters: { ...parameters, archive_timeout: archiveTimeout },
          /*
           * Replication, decided for the fleet: quorum-based synchronous replication (ANY 1)
           * with dataDurability "preferred". A commit waits for one standby to flush its WAL
           * (one network round trip, well under a millisecond within a region), so promoting
           * that standby on failover loses no committed transaction (RPO 0 for the common
           * failure), and the failover itself takes seconds (RTO). "preferred" rather than
           * "required": when no standby is healthy (two nodes drained, a zone down) the primary
           * keeps accepting writes instead of blocking them, because a stalled database breaks
           * the RTO while the WAL archive (archive_timeout) still bounds the loss. Song Nodes
           * asks RPO < 5 min and RTO < 15 min (document 000).
           */
          ...(replication === 'quorum' ? {
            synchronous: {
              method: ClusterSpecPostgresqlSynchronousMethod.ANY,
              number: 1,
              dataDurability: ClusterSpecPostgresqlSynchronousDataDurability.PREFERRED,
            },
          } : {}),
        },
        affinity: {
          enablePodAntiAffinity: true,
          // Required in HA: two instances on one node would fall together.
          podAntiAffinityType: ha ? 'required' : 'preferred',
          topologyKey: 'kubernetes.io/hostname',
        },
        ...(instances > 1 ? {
          // Across zones where the cluster has them; a single-zone cluster still schedules.
          topologySpreadConstraints: [{
            maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: instancePods },
          }],
        } : {}),
        // The operator's PDBs keep the primary and all but one standby through a drain; a
        // single instance gets none, or the node could never be drained (kubernetes_upgrade.md).
        enablePdb: instances > 1,
        // `-rw` always; for reporting `-ro` (standbys), or `-r` when there is no standby.
        managed: {
          services: {
            disabledDefaultServices: [instances > 1 ? ClusterSpecManagedServicesDisabledDefaultServices.R : ClusterSpecManagedServicesDisabledDefaultServices.RO],
          },
        },
        ...(this.metricsQueries ? { monitoring: { customQueriesConfigMap: [{ name: `${name}-monitoring`, key: 'queries' }] } } : {}),
        plugins: [{
          name: BARMAN_CLOUD_PLUGIN,
          enabled: true,
          isWalArchiver: true,
          parameters: { barmanObjectName: storeName },
        }],
        // The instances' ServiceAccount (made by the operator, named after the cluster) acts
        // as the backup writer in Google Cloud: Workload Identity, no key.
        serviceAccountTemplate: {
          metadata: { annotations: workloadIdentityAnnotations(this, backups.serviceAccount) },
        },
      },
    });

    this.scheduledBackup = new ScheduledBackup(this, 'scheduled-backup', {
      metadata: namespacedMeta(this, `${name}-base-backup`, labels),
      spec: {
        cluster: { name },
        schedule: props.backup.schedule,
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        // A first base backup at once: WAL alone restores nothing.
        immediate: true,
        // Backup records go with their schedule; the backups themselves live in the bucket for the retention.
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
      },
    });

    // ---- Metrics: CloudNativePG's own exporter on every instance; job = the cluster's name
    // (without jobLabel Prometheus would call it "<namespace>/<name>").
    this.podScrape = new PodScrape(this, 'pod-monitor', {
      name, labels, podSelector: instancePods, port: 'metrics', jobLabel: CNPG_CLUSTER_LABEL,
      interval: props.metricsInterval ?? '30s',
      custom: CNPG_METRICS,
    });

    // ---- Network: default deny, then exactly what an instance needs.
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', { name, labels, podSelector: this.podSelector });
    ignoreOperatorPodsForKubeScore(this.networkPolicy.policy, `CloudNativePG Cluster ${name}`);
    const replicationPorts = [{ port: CNPG_PORTS.postgresql }, { port: CNPG_PORTS.status }];
    this.networkPolicy.allowFromPods(chart.namespaceName, this.podSelector, replicationPorts, 'instances replicate from and check each other');
    this.networkPolicy.allowToPods(chart.namespaceName, this.podSelector, replicationPorts, 'instances replicate from and check each other');
    this.networkPolicy.allowFromNamespace(addonNamespaces(env.settings)['cloudnative-pg'], replicationPorts, 'CloudNativePG operator',
      { 'app.kubernetes.io/name': 'cloudnative-pg' });
    this.networkPolicy.allowFromNamespace(env.settings.monitoringNamespace, [{ port: CNPG_PORTS.metrics }], 'Prometheus scrapes');
    const api = env.settings.kubernetesApi;
    this.networkPolicy.allowToCidr({ cidr: api.cidr, ports: [{ port: api.port }], description: 'Kubernetes API (the instance manager)' });
    this.networkPolicy.allowToCidr({ cidr: '0.0.0.0/0', except: PRIVATE_RANGES, ports: [{ port: 443 }], description: 'Cloud Storage (WAL archive and base backups)' });
    for (const e of GKE_METADATA_EGRESS) { this.networkPolicy.allowToCidr(e); }

    const connectionTo = (host: string): PostgresConnection => ({
      host, port: CNPG_PORTS.postgresql, database: props.database.name, user: props.database.owner, password: this.appSecret.key('password'),
    });
    this.connection = connectionTo(`${name}-rw`);
    this.readOnlyConnection = connectionTo(instances > 1 ? `${name}-ro` : `${name}-r`);
  }
}
