import { Construct } from 'constructs';
import { BackupJob } from '../backup/backup-job';
import { SystemChart } from '../chart';
import { AppConfig } from '../config/app-config';
import { SecretReference } from '../config/secret-reference';
import { RedisReplication } from '../datastores/redis-replication';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf, releaseOf } from '../environments/releases';
import { WebIngress } from '../ingress/web-ingress';
import { connect, PRIVATE_RANGES } from '../network/network-policy';
import { PersistentClaim } from '../stateful/persistent-claim';
import { StatefulService } from '../stateful/stateful-service';
import { Microservice } from '../workload/microservice';

/**
 * AriaForge (design document 002): FastAPI backend with LLM calls and audio rendering,
 * the Next.js frontend as an in-cluster service, PostgreSQL and Redis, nightly backups.
 */
export const ARIAFORGE = {
  system: 'ariaforge',
  hosts: { api: 'api.ariaforge.com', app: 'ariaforge.com' },
  backendBounds: { dev: [1, 2], staging: [2, 4], production: [3, 10] } as PerEnvironment<[number, number]>,
  frontendBounds: { dev: [1, 2], staging: [2, 3], production: [2, 6] } as PerEnvironment<[number, number]>,
};

export function ariaforge(scope: Construct, env: Environment): SystemChart {
  const chart = new SystemChart(scope, { environment: env, system: ARIAFORGE.system });
  const system = ARIAFORGE.system;
  const secrets = SecretReference.fromName('ariaforge-secrets');

  const postgres = new StatefulService(chart, 'postgres', {
    image: imageOf(chart, system, 'postgres'),
    ports: [{ name: 'postgres', containerPort: 5432 }],
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    env: { POSTGRES_DB: 'ariaforge', POSTGRES_USER: 'ariaforge', PGDATA: '/var/lib/postgresql/data/pgdata' },
    secretEnv: { POSTGRES_PASSWORD: secrets.key('DB_PASSWORD') },
    probes: {
      readiness: { exec: ['pg_isready', '-U', 'ariaforge', '-d', 'ariaforge'], periodSeconds: 10 },
      liveness: { tcp: true, port: 'postgres', periodSeconds: 20, failureThreshold: 6 },
    },
    writablePaths: ['/tmp', '/var/run/postgresql'],
    dataVolume: { size: '100Gi', mountPath: '/var/lib/postgresql/data' },
  });

  // Streams the backend must not lose: no eviction, append-only (the operator's persistence).
  const redis = new RedisReplication(chart, 'redis', {
    image: imageOf(chart, system, 'redis'),
    sentinelImage: imageOf(chart, system, 'redis-sentinel'),
    exporterImage: imageOf(chart, system, 'redis-exporter'),
    replicas: env.pick({ dev: 1, staging: 3, production: 3 }),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '200m', memory: '512Mi' } },
    storage: '10Gi',
    maxMemory: '400Mi',
    maxMemoryPolicy: 'noeviction',
  });

  const config = new AppConfig(chart, 'config', {
    name: 'ariaforge-config',
    data: {
      // The password is not in the URL: the app reads DB_PASSWORD from the Secret.
      DATABASE_URL: 'postgresql://ariaforge@postgres:5432/ariaforge',
      REDIS_URL: redis.connection.url,
      ENVIRONMENT: env.name,
      LOG_LEVEL: env.name === 'production' ? 'INFO' : 'DEBUG',
    },
  });

  // Rendered audio is shared by every backend replica (and both colors): ReadWriteMany.
  const audio = new PersistentClaim(chart, 'audio-storage', {
    name: 'audio-storage',
    size: env.pick({ dev: '20Gi', staging: '50Gi', production: '500Gi' }),
    accessModes: ['ReadWriteMany'],
  });

  const [bMin, bMax] = env.pick(ARIAFORGE.backendBounds);
  const backend = new Microservice(chart, 'backend', {
    ...releaseOf(chart, system, 'backend', { userFacing: true, previewHost: 'api-preview.ariaforge.com' }),
    ports: [{ name: 'http', containerPort: 8000, servicePort: 80 }],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
    probes: {
      liveness: { tcp: true, initialDelaySeconds: 30, periodSeconds: 10 },
      readiness: { path: '/health', initialDelaySeconds: 5, periodSeconds: 5 },
    },
    envFrom: [config],
    secretEnv: {
      SECRET_KEY: secrets.key('SECRET_KEY'),
      OPENAI_API_KEY: secrets.key('OPENAI_API_KEY'),
      ANTHROPIC_API_KEY: secrets.key('ANTHROPIC_API_KEY'),
      DB_PASSWORD: secrets.key('DB_PASSWORD'),
    },
    claims: [{ name: 'audio-storage', claimName: audio.name, mountPath: '/app/audio' }],
    autoscaling: { minReplicas: bMin, maxReplicas: bMax, cpuUtilization: 70, memoryUtilization: 80 },
    metrics: { interval: '5s' },
    // OpenAI and Anthropic over HTTPS; nothing private outside the cluster.
    externalEgress: [{ cidr: '0.0.0.0/0', except: PRIVATE_RANGES, ports: [{ port: 443 }], description: 'OpenAI and Anthropic APIs (HTTPS)' }],
  });

  const [fMin, fMax] = env.pick(ARIAFORGE.frontendBounds);
  const frontend = new Microservice(chart, 'frontend', {
    ...releaseOf(chart, system, 'frontend', { userFacing: true, previewHost: 'preview.ariaforge.com' }),
    component: 'frontend',
    ports: [{ name: 'http', containerPort: 3000, servicePort: 80 }],
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    probes: {
      readiness: { path: '/', periodSeconds: 10 },
      liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 },
    },
    env: {
      NEXT_PUBLIC_API_URL: `https://${env.host(ARIAFORGE.hosts.api)}`,
      NEXT_PUBLIC_WS_URL: `wss://${env.host(ARIAFORGE.hosts.api)}`,
      NEXT_PUBLIC_APP_URL: `https://${env.host(ARIAFORGE.hosts.app)}`,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    writablePaths: ['/tmp', '/app/.next/cache'],
    autoscaling: { minReplicas: fMin, maxReplicas: fMax, cpuUtilization: 70, memoryUtilization: 80 },
    metrics: false,
  });

  // One Ingress for both hosts with one certificate, as the document's ariaforge-ingress.
  new WebIngress(chart, 'ingress', {
    name: 'ariaforge',
    routes: [
      { host: env.host(ARIAFORGE.hosts.api), backend },
      { host: env.host(ARIAFORGE.hosts.app), backend: frontend },
    ],
    tlsSecretName: 'ariaforge-tls',
    websocketTimeoutSeconds: 3600,
    maxBodySize: '50m',
    rateLimit: { requestsPerMinute: 300, connectionsPerIp: 20 },
  });

  const backupClaim = new PersistentClaim(chart, 'backup-storage', {
    name: 'backup-storage',
    size: env.pick({ dev: '20Gi', staging: '50Gi', production: '200Gi' }),
    component: 'backup',
  });
  const backup = new BackupJob(chart, 'postgres-backup', {
    schedule: '0 2 * * *',
    image: imageOf(chart, system, 'postgres-backup'),
    command: ['/bin/bash', '-c'],
    // pipefail: a failed pg_dump must fail the Job, not leave an empty archive behind.
    args: ['set -euo pipefail; pg_dump -h postgres -U ariaforge -d ariaforge | gzip > "/backup/ariaforge-$(date +%Y%m%d).sql.gz"'],
    secretEnv: { PGPASSWORD: secrets.key('DB_PASSWORD') },
    resources: { requests: { cpu: '250m', memory: '256Mi', ephemeralStorage: '256Mi' }, limits: { cpu: '1', memory: '1Gi', ephemeralStorage: '1Gi' } },
    claims: [{ name: 'backup-storage', claimName: backupClaim.name, mountPath: '/backup' }],
    activeDeadlineSeconds: 3600,
  });

  connect(backend, postgres, ['postgres']);
  connect(backend, redis, ['redis']);
  connect(frontend, backend, ['http']); // server-side rendering calls the API in-cluster
  connect(backup, postgres, ['postgres']);
  return chart;
}
