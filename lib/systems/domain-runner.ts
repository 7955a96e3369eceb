import { Construct } from 'constructs';
import { SystemChart } from '../chart';
import { AppConfig } from '../config/app-config';
import { SecretReference } from '../config/secret-reference';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf, releaseOf } from '../environments/releases';
import { AlertRules } from '../monitoring/alert-rules';
import { AlertRouting } from '../monitoring/alert-routing';
import { EndpointProbes } from '../monitoring/endpoint-probes';
import { connect, ExternalEgressSpec, PRIVATE_RANGES } from '../network/network-policy';
import { httpServerMetrics } from '../observability/catalogue';
import { SystemDashboards } from '../observability/system-dashboards';
import { Microservice } from '../workload/microservice';
import { containerCpuAbove, containerMemoryAbove, errorRatioAbove, latencyQuantileAbove } from './alert-expressions';

/** The LLM providers Domain Runner queries; each key lives in the Secret, referenced by name. */
export const LLM_PROVIDER_KEYS = [
  'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'DEEPSEEK_API_KEY', 'MISTRAL_API_KEY',
  'XAI_API_KEY', 'TOGETHER_API_KEY', 'PERPLEXITY_API_KEY', 'GOOGLE_API_KEY',
] as const;

/**
 * Domain Runner (design document 004): the sophisticated-runner API that queries 26+ LLM
 * models for 3,200+ domains, and its monitoring dashboard with a server-sent-events stream.
 */
export const DOMAIN_RUNNER = {
  system: 'domain-runner',
  hosts: { api: 'api.domain-runner.com', dashboard: 'dashboard.domain-runner.com' },
  /** The managed PostgreSQL's address range (TLS required). */
  database: {
    dev: '10.30.8.0/29', staging: '10.20.8.0/29', production: '10.10.8.0/29',
  } as PerEnvironment<string>,
  runnerBounds: { dev: [1, 2], staging: [2, 3], production: [2, 6] } as PerEnvironment<[number, number]>,
};

export function domainRunner(scope: Construct, env: Environment): SystemChart {
  const chart = new SystemChart(scope, { environment: env, system: DOMAIN_RUNNER.system });
  const system = DOMAIN_RUNNER.system;
  const llmKeys = SecretReference.fromName('domain-runner-llm-keys');
  const dbSecret = SecretReference.fromName('domain-runner-database');
  const llmEgress: ExternalEgressSpec = {
    cidr: '0.0.0.0/0', except: PRIVATE_RANGES, ports: [{ port: 443 }], description: 'LLM provider APIs (HTTPS only)',
  };
  const dbEgress: ExternalEgressSpec = {
    cidr: env.pick(DOMAIN_RUNNER.database), ports: [{ port: 5432 }], description: 'managed PostgreSQL (TLS)',
  };
  const config = new AppConfig(chart, 'config', {
    name: 'domain-runner-config',
    data: {
      NODE_ENV: env.name === 'dev' ? 'development' : 'production',
      DATABASE_HOST: env.pick(DOMAIN_RUNNER.database).replace(/\.0\/29$/, '.2'),
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'domain_runner',
      DATABASE_USER: 'domain_runner',
      // Refuse plaintext: the database is outside the cluster.
      PGSSLMODE: 'verify-full',
      DATABASE_POOL_MAX: '20',
    },
  });

  const [min, max] = env.pick(DOMAIN_RUNNER.runnerBounds);
  const runner = new Microservice(chart, 'sophisticated-runner', {
    ...releaseOf(chart, system, 'sophisticated-runner', { userFacing: true }),
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    probes: {
      startup: { path: '/health', periodSeconds: 5, failureThreshold: 24 },
      readiness: { path: '/health', periodSeconds: 10 },
      liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 },
    },
    envFrom: [config],
    secretEnv: {
      ...Object.fromEntries(LLM_PROVIDER_KEYS.map(k => [k, llmKeys.key(k)])),
      DATABASE_PASSWORD: dbSecret.key('password'),
    },
    autoscaling: { minReplicas: min, maxReplicas: max, cpuUtilization: 70, memoryUtilization: 80 },
    ingresses: [{ host: DOMAIN_RUNNER.hosts.api, rateLimit: { requestsPerMinute: 120, connectionsPerIp: 20 } }],
    metrics: { interval: '15s', custom: httpServerMetrics() },
    externalEgress: [llmEgress, dbEgress],
    slo: {
      availability: 0.999,
      latency: { percentile: 0.99, thresholdSeconds: 5 },
      basis: 'fleet default 99.9 % availability; latency from document 004\'s alert threshold (P99 latency > 5000 ms)',
    },
  });

  const dashboard = new Microservice(chart, 'monitoring-dashboard', {
    image: imageOf(chart, system, 'monitoring-dashboard'),
    component: 'dashboard',
    ports: [{ name: 'http', containerPort: 3001, servicePort: 80 }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    probes: {
      readiness: { path: '/dashboard', periodSeconds: 10 },
      liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 },
    },
    envFrom: [config],
    secretEnv: { DATABASE_PASSWORD: dbSecret.key('password') },
    ingresses: [{
      host: DOMAIN_RUNNER.hosts.dashboard,
      // /metrics/stream is server-sent events: no buffering, connections held for an hour.
      streamingTimeoutSeconds: 3600,
      rateLimit: { requestsPerMinute: 120, connectionsPerIp: 20 },
    }],
    metrics: false,
    externalEgress: [dbEgress],
    // /metrics/stream holds server-sent-event connections for an hour: availability only,
    // measured at the edge (ingress-nginx, the Gateway's proxies).
    slo: { availability: 0.999, basis: 'fleet default 99.9 % availability (document 004 gives no objective)' },
  });
  connect(dashboard, runner, ['http']);

  const job = 'sophisticated-runner';
  new AlertRules(chart, 'alerts', {
    name: 'domain-runner-alerts',
    groups: [{
      name: 'domain-runner',
      alerts: [
        {
          alert: 'DomainRunnerHighErrorRate', severity: 'critical', for: '5m',
          expr: errorRatioAbove('domain-runner', job, 0.05),
          summary: 'Domain Runner error rate above 5%',
          description: '{{ $value | humanizePercentage }} of sophisticated-runner requests fail with 5xx.',
        },
        {
          alert: 'DomainRunnerHighLatency', severity: 'warning', for: '5m',
          expr: latencyQuantileAbove('domain-runner', job, 0.99, 5),
          summary: 'Domain Runner p99 latency above 5 s',
          description: 'The 99th percentile latency is {{ $value | humanizeDuration }}.',
        },
        {
          alert: 'DomainRunnerHighCPUUsage', severity: 'warning', for: '5m',
          expr: containerCpuAbove('domain-runner', job, 0.8),
          summary: 'Domain Runner CPU above 80%',
          description: 'Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit.',
        },
        {
          alert: 'DomainRunnerHighMemoryUsage', severity: 'warning', for: '5m',
          expr: containerMemoryAbove('domain-runner', job, 0.85),
          summary: 'Domain Runner memory above 85%',
          description: 'Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.',
        },
      ],
    }],
  });
  // Document 004: P99 latency above 5000 ms is its alert threshold.
  new EndpointProbes(chart, 'probes', { alertPrefix: 'DomainRunner', latencyThresholdSeconds: 5 });
  // Document 004, "Contact": Slack #domain-runner-ops, ops@domain-runner.com, PagerDuty.
  new AlertRouting(chart, 'alert-routing', { chatChannel: '#domain-runner-ops', email: 'ops@domain-runner.com' });

  // Document 004, "Key Metrics": service health, and the system's resources. Its LLM usage
  // and database metrics have no names in the document and no exporter here: not drawn.
  new SystemDashboards(chart, 'dashboards', {
    dashboards: [{
      id: 'monitoring', title: 'Domain Runner Monitoring',
      description: 'Document 004\'s key metrics: service health (uptime, latency, error rates) against the alert thresholds and SLOs, and CPU and memory.',
      rows: [
        { title: 'Service health', show: 'traffic' },
        { title: 'Service level objectives', show: 'slo' },
        { title: 'Autoscaling', show: 'autoscaling' },
        { title: 'System', show: 'resources' },
        { title: 'Scrape targets', show: 'targets' },
        { title: 'Edge', show: 'security' },
      ],
    }],
  });
  return chart;
}
