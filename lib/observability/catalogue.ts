import { CustomMetric, MetricSpec } from './metric';

/**
 * Metric declarations shared by many services: the HTTP server metrics the documents' apps
 * expose, and what the exporters the fleet runs export with their default collectors. Only
 * names the exporters really export are here (checked against their sources): a panel or
 * alert on a name nobody exports shows nothing and never fires.
 */

/** The HTTP server metrics of an app (the documents: `http_requests_total`, `http_request_duration_seconds`). */
export interface HttpServerMetricsOptions {
  /**
   * Labels of `http_requests_total` besides `status` (which the SLOs read).
   * @default - none
   */
  readonly requestLabels?: readonly string[];
  /**
   * Bucket bounds of `http_request_duration_seconds`.
   * @default - the client defaults
   */
  readonly buckets?: readonly number[];
}

/** Name of the request counter every SLO of the application source reads. */
export const HTTP_REQUESTS = 'http_requests_total';
/** Name of the request duration histogram a latency SLO of the application source reads. */
export const HTTP_DURATION = 'http_request_duration_seconds';

/** `http_requests_total{status, …}` and `http_request_duration_seconds`, each pod counting its own requests. */
export function httpServerMetrics(options: HttpServerMetricsOptions = {}): MetricSpec[] {
  return [
    {
      name: HTTP_REQUESTS, type: 'counter', aggregate: 'sum', labels: ['status', ...(options.requestLabels ?? [])],
      help: 'HTTP requests served, by response status.',
    },
    {
      name: HTTP_DURATION, type: 'histogram', aggregate: 'sum', unit: 'seconds',
      help: 'Time to serve an HTTP request.', ...(options.buckets ? { buckets: options.buckets } : {}),
    },
  ];
}

/**
 * Groups: `database`, `cache` and `queue` are the key panels (connections, hit ratios, queue
 * depth); `…-activity` and `queue-flow` the detail a database or pipeline dashboard adds.
 */

/**
 * postgres_exporter's default collectors (database, settings, stat_database). Every
 * replica of an exporter Deployment reads the same server, so every reading is `max`.
 * Statement timings need its `stat_statements` collector and the `pg_stat_statements`
 * extension, which are off by default: not declared here.
 */
export const POSTGRES_EXPORTER_METRICS: readonly CustomMetric[] = [
  { name: 'pg_up', type: 'gauge', aggregate: 'max', group: 'database-activity', help: 'Whether the exporter reached PostgreSQL (1) or not (0).' },
  {
    name: 'pg_stat_database_numbackends', type: 'gauge', aggregate: 'max', labels: ['datname'], group: 'database',
    help: 'Backends (connections) open to each database.',
  },
  { name: 'pg_settings_max_connections', type: 'gauge', aggregate: 'max', help: 'The server\'s max_connections.' },
  { name: 'pg_stat_database_xact_commit', type: 'counter', aggregate: 'max', labels: ['datname'], group: 'database-activity', help: 'Transactions committed per second, by database.' },
  { name: 'pg_stat_database_xact_rollback', type: 'counter', aggregate: 'max', labels: ['datname'], help: 'Transactions rolled back, by database.' },
  { name: 'pg_stat_database_blks_hit', type: 'counter', aggregate: 'max', labels: ['datname'], help: 'Blocks found in the buffer cache.' },
  { name: 'pg_stat_database_blks_read', type: 'counter', aggregate: 'max', labels: ['datname'], help: 'Blocks read from disk.' },
  { name: 'pg_stat_database_deadlocks', type: 'counter', aggregate: 'max', labels: ['datname'], group: 'database-activity', help: 'Deadlocks detected per second, by database.' },
  {
    type: 'ratio', title: 'PostgreSQL buffer cache hit ratio', group: 'database',
    help: 'Share of block reads served from shared buffers instead of disk.',
    numerator: 'pg_stat_database_blks_hit', denominator: ['pg_stat_database_blks_hit', 'pg_stat_database_blks_read'],
  },
];

/**
 * CloudNativePG's instance exporter (its default-monitoring queries). Each instance is its
 * own server — the primary and each standby count their own backends and block reads — so
 * readings sum over the pods; a database's size is the same on every instance (max).
 */
export const CNPG_METRICS: readonly CustomMetric[] = [
  { name: 'cnpg_collector_up', type: 'gauge', aggregate: 'min', group: 'database-activity', help: 'Whether every instance\'s exporter reached PostgreSQL (1) or one did not (0).' },
  { name: 'cnpg_backends_total', type: 'gauge', aggregate: 'sum', labels: ['state'], group: 'database', help: 'Backends (connections) open on all instances, by state.' },
  { name: 'cnpg_pg_stat_database_xact_commit', type: 'counter', aggregate: 'sum', labels: ['datname'], group: 'database-activity', help: 'Transactions committed per second, by database.' },
  { name: 'cnpg_pg_stat_database_deadlocks', type: 'counter', aggregate: 'sum', labels: ['datname'], group: 'database-activity', help: 'Deadlocks detected per second, by database.' },
  { name: 'cnpg_pg_replication_lag', type: 'gauge', aggregate: 'max', unit: 'seconds', group: 'database-activity', help: 'Replication lag of the furthest standby.' },
  { name: 'cnpg_pg_database_size_bytes', type: 'gauge', aggregate: 'max', unit: 'bytes', labels: ['datname'], group: 'database-activity', help: 'Size of each database.' },
  { name: 'cnpg_pg_stat_database_blks_hit', type: 'counter', aggregate: 'sum', labels: ['datname'], help: 'Blocks found in the buffer cache.' },
  { name: 'cnpg_pg_stat_database_blks_read', type: 'counter', aggregate: 'sum', labels: ['datname'], help: 'Blocks read from disk.' },
  {
    type: 'ratio', title: 'PostgreSQL buffer cache hit ratio', group: 'database',
    help: 'Share of block reads served from shared buffers instead of disk, over every instance.',
    numerator: 'cnpg_pg_stat_database_blks_hit', denominator: ['cnpg_pg_stat_database_blks_hit', 'cnpg_pg_stat_database_blks_read'],
  },
];

/**
 * redis_exporter beside every Redis server of a replication (the Redis operator's sidecar):
 * each pod is its own server, holding a copy of the data (memory: max) and serving its own
 * clients and lookups (sum).
 */
export const REDIS_REPLICATION_METRICS: readonly CustomMetric[] = [
  { name: 'redis_up', type: 'gauge', aggregate: 'min', group: 'cache-activity', help: 'Whether every exporter reached its Redis (1) or one did not (0).' },
  { name: 'redis_connected_clients', type: 'gauge', aggregate: 'sum', group: 'cache-activity', help: 'Client connections open, over every server.' },
  { name: 'redis_memory_used_bytes', type: 'gauge', aggregate: 'max', unit: 'bytes', group: 'cache', help: 'Memory the fullest server uses for its data.' },
  { name: 'redis_commands_processed_total', type: 'counter', aggregate: 'sum', group: 'cache-activity', help: 'Commands processed per second, over every server.' },
  { name: 'redis_keyspace_hits_total', type: 'counter', aggregate: 'sum', help: 'Key lookups that found the key.' },
  { name: 'redis_keyspace_misses_total', type: 'counter', aggregate: 'sum', help: 'Key lookups that missed.' },
  {
    type: 'ratio', title: 'Redis cache hit ratio', group: 'cache', help: 'Share of key lookups that found the key.',
    numerator: 'redis_keyspace_hits_total', denominator: ['redis_keyspace_hits_total', 'redis_keyspace_misses_total'],
  },
];

/** redis_exporter's default metrics; an exporter Deployment's replicas all read the same Redis. */
export const REDIS_EXPORTER_METRICS: readonly CustomMetric[] = [
  { name: 'redis_up', type: 'gauge', aggregate: 'max', group: 'cache-activity', help: 'Whether the exporter reached Redis (1) or not (0).' },
  { name: 'redis_connected_clients', type: 'gauge', aggregate: 'max', group: 'cache-activity', help: 'Client connections open to Redis.' },
  { name: 'redis_memory_used_bytes', type: 'gauge', aggregate: 'max', unit: 'bytes', group: 'cache', help: 'Memory Redis uses for its data.' },
  { name: 'redis_memory_max_bytes', type: 'gauge', aggregate: 'max', unit: 'bytes', help: 'Redis maxmemory (0: unlimited).' },
  { name: 'redis_commands_processed_total', type: 'counter', aggregate: 'max', group: 'cache-activity', help: 'Commands Redis processes per second.' },
  { name: 'redis_keyspace_hits_total', type: 'counter', aggregate: 'max', help: 'Key lookups that found the key.' },
  { name: 'redis_keyspace_misses_total', type: 'counter', aggregate: 'max', help: 'Key lookups that missed.' },
  {
    type: 'ratio', title: 'Redis cache hit ratio', group: 'cache', help: 'Share of key lookups that found the key.',
    numerator: 'redis_keyspace_hits_total', denominator: ['redis_keyspace_hits_total', 'redis_keyspace_misses_total'],
  },
];

/**
 * RabbitMQ's built-in Prometheus plugin (port 15692, `/metrics`: aggregated over queues and
 * channels). Each node reports its own queues and channels, so readings sum over pods.
 */
export const RABBITMQ_METRICS: readonly CustomMetric[] = [
  { name: 'rabbitmq_queue_messages_ready', type: 'gauge', aggregate: 'sum', group: 'queue', help: 'Messages waiting in queues to be delivered.' },
  { name: 'rabbitmq_queue_messages_unacked', type: 'gauge', aggregate: 'sum', group: 'queue-flow', help: 'Messages delivered and not yet acknowledged.' },
  { name: 'rabbitmq_connections', type: 'gauge', aggregate: 'sum', help: 'Client connections open.' },
  { name: 'rabbitmq_channel_messages_published_total', type: 'counter', aggregate: 'sum', group: 'queue-flow', help: 'Messages published per second.' },
  { name: 'rabbitmq_channel_messages_acked_total', type: 'counter', aggregate: 'sum', group: 'queue-flow', help: 'Messages consumers acknowledged per second: the pipeline\'s processing throughput.' },
];

/**
 * The dashboard groups of the shared declarations above: a menu each system picks from, so
 * a group none of its dashboards shows is not a typo (as it is for a service's own metrics).
 */
export const CATALOGUE_GROUPS: ReadonlySet<string> = new Set(
  [POSTGRES_EXPORTER_METRICS, CNPG_METRICS, REDIS_REPLICATION_METRICS, REDIS_EXPORTER_METRICS, RABBITMQ_METRICS]
    .flatMap(c => c.map(m => m.group)).filter((g): g is string => g !== undefined),
);
