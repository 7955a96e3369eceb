import { jobMatcher } from '../observability/metric';

/**
 * PromQL for the alerts the systems share, over the metrics our services expose
 * (http_requests_total, http_request_duration_seconds), cAdvisor / kube-state-metrics and the
 * datastore exporters.
 *
 * Two rules every expression here follows (test/alerts/ proves each with promtool):
 * - "down" alerts also fire when there is no series at all (no target discovered: all pods
 *   Pending, a Service selecting an empty color, a ServiceMonitor that matches nothing);
 *   `sum(up) == 0` alone returns nothing then, and an alert on nothing never fires.
 * - A value that several scrapers report about the same thing (two exporter replicas reading
 *   one database, two kube-state-metrics replicas) is de-duplicated with `max by` the identity
 *   of that thing before any sum or division, so it is never counted once per replica — and a
 *   `/ on (…)` never meets duplicate series, which would make the rule fail to evaluate.
 */

/** `{namespace="…", job="…"}`-style matchers. */
function sel(matchers: Record<string, string | undefined>, extra = ''): string {
  const parts = Object.entries(matchers).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${v}"`);
  return `{${[...parts, ...(extra ? [extra] : [])].join(', ')}}`;
}

/**
 * No target of a job is up, or the job has no target at all. One series per job, labelled
 * `namespace` and `job` either way (the value is 0 when targets are down, 1 from absent()),
 * so an alert that starts as "no targets" and becomes "targets down" stays one alert.
 * absent() needs literal matchers, hence one term per job.
 */
export function serviceDown(namespace: string, jobs: string[]): string {
  if (jobs.length === 0) { throw new Error('serviceDown needs at least one job'); }
  const down = `sum by (namespace, job) (up{namespace="${namespace}", ${jobMatcher(jobs)}}) == 0`;
  return [down, ...jobs.map(job => `absent(up${sel({ namespace, job })})`)].join(' or ');
}

/** Ratio of 5xx responses above `ratio` over `window` (summed over the job's pods: each counts its own requests). */
export function errorRatioAbove(namespace: string, job: string, ratio: number, window = '5m'): string {
  return `sum(rate(http_requests_total{namespace="${namespace}", job="${job}", status=~"5.."}[${window}])) / sum(rate(http_requests_total{namespace="${namespace}", job="${job}"}[${window}])) > ${ratio}`;
}

/** A latency quantile above `seconds` over 5 minutes. */
export function latencyQuantileAbove(namespace: string, job: string, quantile: number, seconds: number): string {
  return `histogram_quantile(${quantile}, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="${namespace}", job="${job}"}[5m]))) > ${seconds}`;
}

const CONTAINER = 'namespace, pod, container';

/** The container matcher: one container by name, or every real container (cAdvisor's pod-level series has container=""). */
function containerMatcher(container: string | undefined): string {
  return container === undefined ? 'container!=""' : `container="${container}"`;
}

/** A container's resource limit from kube-state-metrics, one series per container even when kube-state-metrics runs replicated. */
function containerLimit(namespace: string, container: string | undefined, resource: 'cpu' | 'memory'): string {
  return `max by (${CONTAINER}) (kube_pod_container_resource_limits{namespace="${namespace}", ${containerMatcher(container)}, resource="${resource}"})`;
}

/**
 * Container working-set memory above `ratio` of its limit, per container.
 * @param container a container name, or undefined for every container in the namespace
 */
export function containerMemoryAbove(namespace: string, container: string | undefined, ratio: number): string {
  // max by: a restarted container briefly has two cAdvisor series (old and new id).
  return `max by (${CONTAINER}) (container_memory_working_set_bytes{namespace="${namespace}", ${containerMatcher(container)}}) / on (${CONTAINER}) ${containerLimit(namespace, container, 'memory')} > ${ratio}`;
}

/**
 * Container CPU use over 5 minutes above `ratio` of its limit, per container.
 * @param container a container name, or undefined for every container in the namespace
 */
export function containerCpuAbove(namespace: string, container: string | undefined, ratio: number): string {
  return `max by (${CONTAINER}) (rate(container_cpu_usage_seconds_total{namespace="${namespace}", ${containerMatcher(container)}}[5m])) / on (${CONTAINER}) ${containerLimit(namespace, container, 'cpu')} > ${ratio}`;
}

/**
 * PostgreSQL connections (all databases) above `ratio` of max_connections, per database server.
 * max_connections is server-wide, so every database's backends count. The server is what the
 * exporter job scrapes (`serverLabels` empty: a Deployment of exporter replicas all reading one
 * managed database), or one per pod for a sidecar exporter (`serverLabels: ['pod']`). Replicas'
 * identical readings are collapsed with max by database name before the sum.
 */
export function databaseConnectionsAbove(namespace: string, job: string, ratio: number, serverLabels: string[] = []): string {
  const server = ['namespace', 'job', ...serverLabels].join(', ');
  const s = sel({ namespace, job });
  return `sum by (${server}) (max by (${server}, datname) (pg_stat_database_numbackends${s})) / on (${server}) max by (${server}) (pg_settings_max_connections${s}) > ${ratio}`;
}

/**
 * CloudNativePG instances: backends (every database, user and state; `cnpg_backends_total`)
 * above `ratio` of max_connections (`cnpg_pg_settings_setting{name="max_connections"}`), per
 * instance: each pod is its own server with its own max_connections, scraped once by the
 * cluster's PodMonitor (job = the cluster name).
 */
export function cnpgConnectionsAbove(namespace: string, job: string, ratio: number): string {
  const server = 'namespace, job, pod';
  return `sum by (${server}) (cnpg_backends_total${sel({ namespace, job })}) / on (${server}) max by (${server}) (cnpg_pg_settings_setting${sel({ namespace, job }, 'name="max_connections"')}) > ${ratio}`;
}

/**
 * Mean statement time over 5 minutes above `seconds` on any instance, from pg_stat_statements'
 * cumulative execution time and calls (PostgresCluster's `queryStatistics`). A rate, so a slow
 * past does not keep the alert firing; per instance, since the primary and the standbys run
 * different statements.
 */
export function cnpgMeanQuerySecondsAbove(namespace: string, job: string, seconds: number): string {
  const s = sel({ namespace, job });
  return `max(sum by (pod) (rate(cnpg_pg_stat_statements_total_exec_time_seconds${s}[5m])) / sum by (pod) (rate(cnpg_pg_stat_statements_calls${s}[5m]))) > ${seconds}`;
}

/**
 * Redis unreachable: every exporter replica reports redis_up 0, or no exporter reports at all
 * (then nobody can tell whether the cache is up, which pages like an outage).
 */
export function redisDown(namespace: string, job: string): string {
  const s = sel({ namespace, job });
  return `max by (namespace, job) (redis_up${s}) == 0 or absent(redis_up${s})`;
}

/**
 * postgres_exporter's statement statistics (its `stat_statements` collector, off by default:
 * `--collector.stat_statements`): mean time per call over 5 minutes above `seconds`, from
 * `pg_stat_statements_seconds_total` and `pg_stat_statements_calls_total`, one series per
 * statement (user, database, queryid). Exporter replicas report the same statements: each
 * is taken once (max by its identity) before the sums.
 */
export function postgresMeanQuerySecondsAbove(namespace: string, job: string, seconds: number): string {
  const s = sel({ namespace, job });
  const once = (metric: string) => `max by (namespace, job, user, datname, queryid) (rate(${metric}${s}[5m]))`;
  return `sum by (namespace, job) (${once('pg_stat_statements_seconds_total')}) / sum by (namespace, job) (${once('pg_stat_statements_calls_total')}) > ${seconds}`;
}

/**
 * Committed and rolled-back transactions per second over 10 minutes (postgres_exporter's
 * `pg_stat_database_xact_commit` / `_xact_rollback`, every database) above `factor` times
 * their average over the day before. Exporter replicas' identical readings are taken once.
 */
export function transactionRateAboveBaseline(namespace: string, job: string, factor: number): string {
  const s = sel({ namespace, job });
  const rate = (range: string) => `sum by (namespace, job) (max by (namespace, job, datname) (`
    + `rate(pg_stat_database_xact_commit${s}${range}) + rate(pg_stat_database_xact_rollback${s}${range})))`;
  return `${rate('[10m]')} > ${factor} * ${rate('[1d] offset 10m')}`;
}

/**
 * Redis keyspace hit ratio over 30 minutes below `ratio` (redis_exporter's
 * `redis_keyspace_hits_total` / `_misses_total`). Exporter replicas read the same server: each
 * counter's rate is taken once (max) before the ratio. No lookups at all is no low ratio.
 */
export function redisHitRatioBelow(namespace: string, job: string, ratio: number): string {
  const s = sel({ namespace, job });
  const rate = (metric: string) => `max by (namespace, job) (rate(${metric}${s}[30m]))`;
  return `${rate('redis_keyspace_hits_total')} / (${rate('redis_keyspace_hits_total')} + ${rate('redis_keyspace_misses_total')}) < ${ratio}`;
}

/**
 * A gauge's average over the last 30 minutes, across every series (pods), differing from
 * its average over the day before by more than `fraction` either way.
 */
export function gaugeShiftAbove(namespace: string, metric: string, fraction: number): string {
  const s = sel({ namespace });
  return `abs(avg(avg_over_time(${metric}${s}[30m])) / avg(avg_over_time(${metric}${s}[1d] offset 30m)) - 1) > ${fraction}`;
}
