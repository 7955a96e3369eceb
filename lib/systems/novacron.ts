import { Construct } from 'constructs';
import { SystemChart } from '../chart';
import { AppConfig } from '../config/app-config';
import { SecretReference } from '../config/secret-reference';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf, releaseOf } from '../environments/releases';
import { AlertRules } from '../monitoring/alert-rules';
import { httpServerMetrics, POSTGRES_EXPORTER_METRICS, REDIS_EXPORTER_METRICS } from '../observability/catalogue';
import { CustomMetric } from '../observability/metric';
import { SystemDashboards } from '../observability/system-dashboards';
import { ExternalEgressSpec } from '../network/network-policy';
import { Microservice } from '../workload/microservice';
import { Worker } from '../workload/worker';
import { AlertRouting } from '../monitoring/alert-routing';
import { EndpointProbes } from '../monitoring/endpoint-probes';
import {
  containerCpuAbove, containerMemoryAbove, databaseConnectionsAbove, errorRatioAbove, gaugeShiftAbove, latencyQuantileAbove,
  postgresMeanQuerySecondsAbove, redisDown, redisHitRatioBelow, serviceDown, transactionRateAboveBaseline,
} from './alert-expressions';

/**
 * NovaCron (design document 001): the Go API server with the DWCP v3 protocol, backed by
 * managed PostgreSQL (Cloud SQL) and Redis (Memorystore) reached over private IPs.
 */
export const NOVACRON = {
  system: 'novacron',
  host: 'api.novacron.io',
  /** Private IP ranges of the managed datastores, per environment (Terraform outputs). */
  datastores: {
    dev: { postgres: '10.30.0.0/29', redis: '10.30.1.0/29' },
    staging: { postgres: '10.20.0.0/29', redis: '10.20.1.0/29' },
    production: { postgres: '10.10.0.0/29', redis: '10.10.1.0/29' },
  } as PerEnvironment<{ postgres: string; redis: string }>,
  autoscaling: {
    dev: { minReplicas: 1, maxReplicas: 2 },
    staging: { minReplicas: 2, maxReplicas: 4 },
    production: { minReplicas: 3, maxReplicas: 10 },
  } as PerEnvironment<{ minReplicas: number; maxReplicas: number }>,
};

/**
 * What api-server exposes (document 001, "Monitoring Metrics"): the application metrics, the
 * DWCP protocol metrics with the document's targets, and the Go runtime's goroutines.
 */
export const NOVACRON_API_METRICS: readonly CustomMetric[] = [
  ...httpServerMetrics(),
  { name: 'http_connections_active', type: 'gauge', aggregate: 'sum', group: 'application', help: 'HTTP connections open to the API servers.' },
  { name: 'go_goroutines', type: 'gauge', aggregate: 'max', group: 'application', help: 'Goroutines of the busiest pod (a leak shows as steady growth).' },
  { name: 'dwcp_streams_active', type: 'gauge', aggregate: 'sum', group: 'dwcp', help: 'DWCP streams open.' },
  { name: 'dwcp_bandwidth_allocated_bytes', type: 'gauge', aggregate: 'sum', unit: 'bytes', group: 'dwcp', help: 'Bandwidth allocated to DWCP streams.' },
  { name: 'dwcp_compression_ratio', type: 'gauge', aggregate: 'avg', group: 'dwcp', help: 'DWCP compression efficiency, averaged over the pods.' },
  {
    name: 'dwcp_latency_milliseconds', type: 'gauge', aggregate: 'max', unit: 'milliseconds', group: 'dwcp',
    help: 'DWCP protocol latency of the slowest pod.', threshold: { value: 50, meaning: 'document 001 target < 50 ms' },
  },
  {
    name: 'dwcp_packet_loss_rate', type: 'gauge', aggregate: 'max', unit: 'ratio', group: 'dwcp',
    help: 'DWCP packet loss of the worst pod.', threshold: { value: 0.0001, meaning: 'document 001 target < 0.01 %' },
  },
];

export function novacron(scope: Construct, env: Environment): SystemChart {
  const chart = new SystemChart(scope, { environment: env, system: NOVACRON.system });
  const stores = env.pick(NOVACRON.datastores);
  const postgresEgress: ExternalEgressSpec = { cidr: stores.postgres, ports: [{ port: 5432 }], description: 'Cloud SQL PostgreSQL' };
  const redisEgress: ExternalEgressSpec = { cidr: stores.redis, ports: [{ port: 6379 }], description: 'Memorystore Redis' };

  const config = new AppConfig(chart, 'config', {
    name: 'novacron-config',
    data: {
      ENVIRONMENT: env.name,
      LOG_LEVEL: env.name === 'production' ? 'info' : 'debug',
      DB_HOST: stores.postgres.replace(/\.0\/29$/, '.2'),
      DB_PORT: '5432',
      DB_NAME: 'novacron',
      DB_USER: 'novacron',
      DB_SSLMODE: 'require',
      REDIS_HOST: stores.redis.replace(/\.0\/29$/, '.2'),
      REDIS_PORT: '6379',
      DWCP_ENABLED: 'true',
    },
  });
  const secrets = SecretReference.fromName('novacron-secrets');

  const { minReplicas, maxReplicas } = env.pick(NOVACRON.autoscaling);
  new Microservice(chart, 'api-server', {
    ...releaseOf(chart, NOVACRON.system, 'api-server', { userFacing: true }),
    ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
    resources: {
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '2000m', memory: '2Gi' },
    },
    probes: {
      startup: { path: '/health', periodSeconds: 5, failureThreshold: 24 },
      readiness: { path: '/health/ready', periodSeconds: 5 },
      liveness: { path: '/health/live', periodSeconds: 10 },
    },
    envFrom: [config],
    secretEnv: {
      DB_PASSWORD: secrets.key('DB_PASSWORD'),
      REDIS_AUTH: secrets.key('REDIS_AUTH'),
      JWT_SECRET: secrets.key('JWT_SECRET'),
    },
    autoscaling: {
      minReplicas,
      maxReplicas,
      cpuUtilization: 70,
      memoryUtilization: 80,
      podsMetrics: [{ metric: 'http_requests_per_second', averageValue: 1000 }],
      scaleUp: { percent: 100, periodSeconds: 30 },
      scaleDown: { percent: 50, periodSeconds: 60, stabilizationWindowSeconds: 300 },
    },
    // Keep 2 pods through drains; staging's floor of 2 only allows keeping 1.
    disruptionBudget: { minAvailable: Math.min(2, minReplicas - 1) },
    sessionAffinity: 'ClientIP',
    ingresses: [{ host: NOVACRON.host, rateLimit: { requestsPerMinute: 600, connectionsPerIp: 20 } }],
    metrics: { port: 'metrics', interval: '15s', custom: NOVACRON_API_METRICS },
    externalEgress: [postgresEgress, redisEgress],
    slo: {
      availability: 0.999,
      latency: { percentile: 0.95, thresholdSeconds: 0.5 },
      basis: 'document 001: 99.9 % uptime SLA, error rate < 0.1 %, p95 response time < 500 ms',
    },
  });

  // Exporters for the managed datastores, so the P0 pool and cache alerts have metrics.
  const exporterResources = {
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '200m', memory: '128Mi' },
  };
  new Worker(chart, 'postgres-exporter', {
    component: 'metrics-exporter',
    image: imageOf(chart, NOVACRON.system, 'postgres-exporter'),
    ports: [{ name: 'metrics', containerPort: 9187 }],
    resources: exporterResources,
    probes: { readiness: { path: '/', port: 'metrics' }, liveness: { tcp: true, port: 'metrics', periodSeconds: 30 } },
    env: {
      DATA_SOURCE_URI: `${stores.postgres.replace(/\.0\/29$/, '.2')}:5432/novacron?sslmode=require`,
      DATA_SOURCE_USER: 'novacron_monitor',
    },
    secretEnv: { DATA_SOURCE_PASS: secrets.key('MONITOR_DB_PASSWORD') },
    // Statement statistics for the slow-query alert: needs the pg_stat_statements extension in
    // the novacron database and pg_read_all_stats for novacron_monitor (README, "Alerts").
    args: ['--collector.stat_statements'],
    metrics: { port: 'metrics', interval: '30s', custom: POSTGRES_EXPORTER_METRICS },
    externalEgress: [postgresEgress],
  });
  new Worker(chart, 'redis-exporter', {
    component: 'metrics-exporter',
    image: imageOf(chart, NOVACRON.system, 'redis-exporter'),
    ports: [{ name: 'metrics', containerPort: 9121 }],
    resources: exporterResources,
    probes: { readiness: { path: '/health', port: 'metrics' }, liveness: { tcp: true, port: 'metrics', periodSeconds: 30 } },
    env: { REDIS_ADDR: `redis://${stores.redis.replace(/\.0\/29$/, '.2')}:6379` },
    secretEnv: { REDIS_PASSWORD: secrets.key('REDIS_AUTH') },
    metrics: { port: 'metrics', interval: '30s', custom: REDIS_EXPORTER_METRICS },
    externalEgress: [redisEgress],
  });

  const job = 'api-server';
  new AlertRules(chart, 'alerts', {
    name: 'novacron-alerts',
    groups: [
      {
        name: 'novacron-p0',
        // Document 001: time to alert under a minute, to notification under two. Evaluated
        // every 15 s, true for 30 s, on 1-minute windows; paged 10 s later.
        interval: '15s',
        alerts: [
          {
            alert: 'NovaCronServiceDown', severity: 'critical', for: '30s', labels: { priority: 'P0' },
            expr: serviceDown('novacron', [job]),
            summary: 'NovaCron API server is down',
            description: 'No api-server target has been up (or none has existed) for 30 seconds; every request fails.',
          },
          {
            alert: 'NovaCronHighErrorRate', severity: 'critical', for: '30s', labels: { priority: 'P0' },
            expr: errorRatioAbove('novacron', job, 0.01, '1m'),
            summary: 'NovaCron error rate above 1%',
            description: 'More than 1% of api-server requests returned 5xx over the last minute (now {{ $value | humanizePercentage }}).',
          },
          {
            alert: 'NovaCronDatabasePoolExhausted', severity: 'critical', for: '30s', labels: { priority: 'P0' },
            // Two exporter replicas read the one Cloud SQL server: never sum their readings.
            expr: databaseConnectionsAbove('novacron', 'postgres-exporter-metrics', 0.95),
            summary: 'NovaCron database connection pool exhausted',
            description: 'PostgreSQL connections are above 95% of max_connections; new requests will wait or fail.',
          },
          {
            alert: 'NovaCronCacheDown', severity: 'critical', for: '30s', labels: { priority: 'P0' },
            expr: redisDown('novacron', 'redis-exporter-metrics'),
            summary: 'NovaCron Redis cache is down',
            description: 'The Redis exporter cannot reach Memorystore, or no exporter reports on it; sessions and cached reads fail.',
          },
        ],
      },
      {
        name: 'novacron-p1',
        alerts: [
          {
            alert: 'NovaCronHighResponseTime', severity: 'warning', for: '5m', labels: { priority: 'P1' },
            expr: latencyQuantileAbove('novacron', job, 0.95, 2),
            summary: 'NovaCron p95 response time above 2 s',
            description: 'The 95th percentile api-server latency is {{ $value | humanizeDuration }}.',
          },
          {
            alert: 'NovaCronHighMemoryUsage', severity: 'warning', for: '5m', labels: { priority: 'P1' },
            expr: containerMemoryAbove('novacron', 'api-server', 0.85),
            summary: 'NovaCron memory above 85% of its limit',
            description: 'Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.',
          },
          {
            alert: 'NovaCronHighCPUUsage', severity: 'warning', for: '5m', labels: { priority: 'P1' },
            expr: containerCpuAbove('novacron', 'api-server', 0.85),
            summary: 'NovaCron CPU above 85% of its limit',
            description: 'Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit.',
          },
          {
            alert: 'NovaCronDWCPLatencyHigh', severity: 'warning', for: '5m', labels: { priority: 'P1' },
            expr: 'max(dwcp_latency_milliseconds{namespace="novacron"}) > 100',
            summary: 'DWCP protocol latency above 100 ms',
            description: 'DWCP latency is {{ $value }} ms (target < 50 ms).',
          },
          {
            // Document 001 names the alert without a number: 100 ms mean, as document 000 sets
            // for slow queries, a fifth of NovaCron's 500 ms p95 response target.
            alert: 'NovaCronDatabaseSlowQueries', severity: 'warning', for: '5m', labels: { priority: 'P1' },
            expr: postgresMeanQuerySecondsAbove('novacron', 'postgres-exporter-metrics', 0.1),
            summary: 'NovaCron database statements average above 100 ms',
            description: 'The busiest PostgreSQL statements took {{ $value | humanizeDuration }} per call on average over 5 minutes.',
          },
        ],
      },
      {
        // Document 001's P2–P3 info alerts name no numbers: each compares with what is normal.
        name: 'novacron-p2-p3',
        alerts: [
          {
            alert: 'NovaCronLowCacheHitRate', severity: 'info', for: '15m', labels: { priority: 'P2' },
            expr: redisHitRatioBelow('novacron', 'redis-exporter-metrics', 0.8),
            summary: 'NovaCron cache hit rate below 80%',
            description: 'Only {{ $value | humanizePercentage }} of Redis lookups hit over the last 30 minutes; the database takes the rest.',
          },
          {
            alert: 'NovaCronHighTransactionRate', severity: 'info', for: '15m', labels: { priority: 'P2' },
            expr: transactionRateAboveBaseline('novacron', 'postgres-exporter-metrics', 2),
            summary: 'NovaCron database transactions at twice the usual rate',
            description: 'PostgreSQL runs {{ $value | humanize }} transactions per second over 10 minutes, more than twice its average over the day before.',
          },
          {
            alert: 'NovaCronDWCPCompressionRatioChanged', severity: 'info', for: '30m', labels: { priority: 'P3' },
            expr: gaugeShiftAbove('novacron', 'dwcp_compression_ratio', 0.2),
            summary: 'DWCP compression ratio moved by more than 20%',
            description: 'The DWCP compression ratio of the last 30 minutes differs from the day before by {{ $value | humanizePercentage }}: the traffic mix or the codec changed.',
          },
        ],
      },
    ],
  });
  // Document 001: p95 response time < 500 ms.
  new EndpointProbes(chart, 'probes', { alertPrefix: 'NovaCron', latencyThresholdSeconds: 0.5 });
  // Document 001: time to alert < 1 minute (and to notification < 2): the P0s' bound.
  new AlertRouting(chart, 'alert-routing', {
    chatChannel: '#novacron-alerts', email: 'ops@novacron.io', responseTime: { critical: '1m' },
  });

  // Document 001, "Key Dashboards".
  new SystemDashboards(chart, 'dashboards', {
    dashboards: [
      {
        id: 'production', title: 'NovaCron Production',
        description: 'Document 001\'s production dashboard (12 panels): traffic against the SLOs, the API servers and their scaling.',
        rows: [
          { title: 'Traffic', show: 'traffic' },
          { title: 'Service level objectives', show: 'slo' },
          { title: 'Application', show: 'metrics', group: 'application' },
          { title: 'Autoscaling', show: 'autoscaling' },
          { title: 'Resources', show: 'resources', workloads: ['api-server'] },
          { title: 'Scrape targets', show: 'targets' },
        ],
      },
      {
        id: 'dwcp', title: 'DWCP Protocol',
        description: 'Document 001\'s DWCP v3 protocol dashboard: streams, bandwidth, compression, latency and packet loss against the document\'s targets.',
        rows: [{ title: 'DWCP v3', show: 'metrics', group: 'dwcp' }],
      },
      {
        id: 'database', title: 'Database Performance',
        description: 'Document 001\'s database dashboard: Cloud SQL PostgreSQL and Memorystore Redis as their exporters read them.',
        rows: [
          { title: 'PostgreSQL', show: 'metrics', group: 'database' },
          { title: 'PostgreSQL activity', show: 'metrics', group: 'database-activity' },
          { title: 'Redis', show: 'metrics', group: 'cache' },
          { title: 'Redis activity', show: 'metrics', group: 'cache-activity' },
        ],
      },
      {
        id: 'infrastructure', title: 'Infrastructure Overview',
        description: 'Document 001\'s infrastructure dashboard: every workload\'s health, resources and network.',
        rows: [
          { title: 'Health', show: 'targets' },
          { title: 'Resources', show: 'resources' },
          { title: 'Network', show: 'network' },
        ],
      },
    ],
  });
  return chart;
}
