import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Autoscaler } from '../lib/autoscaling/autoscaler';
import { BackupJob, BackupJobProps } from '../lib/backup/backup-job';
import { SystemChart } from '../lib/chart';
import { AppConfig } from '../lib/config/app-config';
import { SecretReference } from '../lib/config/secret-reference';
import { ConfigurationError } from '../lib/core/errors';
import { namespacedMeta } from '../lib/core/metadata';
import { DisruptionBudget } from '../lib/disruption/disruption-budget';
import { Environment, EnvironmentName, EnvironmentSettings } from '../lib/environments/environment';
import { checkReleasesUsed, imageOf, releaseOf, ReleaseManifest } from '../lib/environments/releases';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { EdgeRoute } from '../lib/edge/edge-route';
import { AlertRules } from '../lib/monitoring/alert-rules';
import { Monitor } from '../lib/monitoring/service-monitor';
import { connect, ExternalEgressSpec } from '../lib/network/network-policy';
import { StatefulService, StatefulServiceProps } from '../lib/stateful/stateful-service';
import { Microservice, MicroserviceProps } from '../lib/workload/microservice';
import { Worker, WorkerProps } from '../lib/workload/worker';
import { find, objects, testChart, webProps } from './util';

/**
 * The bad-input catalogue: realistic mistakes that the API server, the kubelet,
 * ingress-nginx or the CronJob controller would refuse or misread. Every one is refused
 * while the construct is built, with a message that starts with the construct path, shows
 * the bad value, and says how to fix it.
 */
interface Case {
  readonly title: string;
  /** Construct path the message must start with. */
  readonly path: string;
  /** The bad value, as the message must show it. */
  readonly value: string;
  readonly build: () => unknown;
  /** Text the message must not contain (secret material is shown redacted). */
  readonly absent?: string;
}

const PROD = 'production-shop';
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } };
const withResources = (requests: object, limits: object = {}) =>
  ({ requests: { ...resources.requests, ...requests }, limits: { ...resources.limits, ...limits } }) as never;

// Fake secret material, assembled at run time so no literal credential sits in the repository.
const fake = {
  pem: ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ') + '\nAAAAAAAAAAAAAAAA\n-----END RSA PRIVATE KEY-----',
  github: 'ghp_' + 'A1'.repeat(18),
  slack: 'xoxb-' + '1234567890-abcdefghij',
  aws: 'AKIA' + 'EXAMPLE0'.repeat(2),
  stripe: 'sk_live_' + 'x'.repeat(24),
  jwt: 'eyJ' + 'hbGciOiJIUzI1NiJ9' + '.eyJ' + 'zdWIiOiIxMjM0In0' + '.' + 'c2lnbmF0dXJl',
};

function web(title: string, props: Partial<MicroserviceProps>, value: string, path = `${PROD}/web`, name = 'web'): Case {
  return { title, path, value, build: () => new Microservice(testChart(), name, webProps(props)) };
}

const workerBase: WorkerProps = {
  image: 'ghcr.io/acme/worker:1.0.0', resources, ports: [{ name: 'metrics', containerPort: 9100 }],
};
function worker(title: string, props: Partial<WorkerProps>, value: string, name = 'w', path = `${PROD}/${name}`): Case {
  return { title, path, value, build: () => new Worker(testChart(), name, { ...workerBase, ...props }) };
}

const dbBase: StatefulServiceProps = {
  image: 'docker.io/library/postgres:15.8', resources, ports: [{ name: 'postgres', containerPort: 5432 }],
  dataVolume: { size: '10Gi', mountPath: '/data' },
};
function db(title: string, props: Partial<StatefulServiceProps>, value: string, name = 'db'): Case {
  return { title, path: `${PROD}/${name}`, value, build: () => new StatefulService(testChart(), name, { ...dbBase, ...props }) };
}

const backupBase: BackupJobProps = { image: 'docker.io/library/postgres:15.8', resources, schedule: '0 2 * * *' };
function backup(title: string, props: Partial<BackupJobProps>, value: string, name = 'backup'): Case {
  return { title, path: `${PROD}/${name}`, value, build: () => new BackupJob(testChart(), name, { ...backupBase, ...props }) };
}
const cron = (schedule: string): Case => backup(`schedule ${JSON.stringify(schedule)}`, { schedule }, schedule);

function config(title: string, data: Record<string, string>, value: string, absent?: string, name = 'shop-config'): Case {
  return { title, path: `${PROD}/cfg`, value, absent, build: () => new AppConfig(testChart(), 'cfg', { name, data }) };
}

const egress = (spec: Partial<ExternalEgressSpec>): Partial<MicroserviceProps> =>
  ({ externalEgress: [{ cidr: '10.0.0.0/8', ports: [{ port: 443 }], description: 'x', ...spec }] });

function environment(title: string, settings: Partial<EnvironmentSettings>, value: string, name = 'production'): Case {
  return { title, path: `environments/${name}`, value, build: () => new Environment({ ...ENVIRONMENTS.production, ...settings } as EnvironmentSettings) };
}

function namespace(title: string, ns: string, path = PROD): Case {
  return {
    title, path, value: ns,
    build: () => new SystemChart(new App({ outdir: '/dev/null' }), { environment: new Environment(ENVIRONMENTS.production), system: 'shop', namespace: ns }),
  };
}

/** A small release file for the `shop` system: production/shop/web, single-color. */
function releases(web: object, extra: object = {}): ReleaseManifest {
  return { dev: {}, staging: {}, production: { shop: { web }, ...extra } } as unknown as ReleaseManifest;
}
function release(title: string, file: object, value: string): Case {
  return { title, path: PROD, value, build: () => imageOf(testChart(), 'shop', 'web', file as ReleaseManifest) };
}
function releaseBlueGreen(title: string, web: object, value: string): Case {
  return { title, path: PROD, value, build: () => releaseOf(testChart(), 'shop', 'web', { userFacing: true }, releases(web)) };
}

const baseAlert = { alert: 'HighErrorRate', expr: 'x > 1', for: '5m', severity: 'critical' as const, summary: 's', description: 'd' };
function alert(title: string, change: object, value: string): Case {
  return {
    title, path: `${PROD}/alerts`, value,
    build: () => new AlertRules(testChart(), 'alerts', { name: 'shop-alerts', groups: [{ name: 'g', alerts: [{ ...baseAlert, ...change }] }] }),
  };
}

const catalogue: Record<string, Case[]> = {
  'Microservice: resources': [
    web('memory request in millibytes', { resources: withResources({ memory: '512m' }, { memory: '1Gi' }) }, '512m'),
    web('memory limit in millibytes', { resources: withResources({}, { memory: '256m' }) }, '256m'),
    web('cpu with a byte suffix', { resources: withResources({ cpu: '2Gi' }, { cpu: '4Gi' }) }, '2Gi'),
    web('cpu in thousands of cores', { resources: withResources({}, { cpu: '1k' }) }, '1k'),
    web('memory as a bare number', { resources: withResources({ memory: '512' }) }, '"512"'),
    web('ephemeral storage in millibytes', { resources: withResources({ ephemeralStorage: '100m' }, { ephemeralStorage: '1Gi' }) }, '100m'),
    web('negative memory', { resources: withResources({ memory: '-1Gi' }) }, '-1Gi'),
    web('negative cpu', { resources: withResources({ cpu: '-1' }) }, '"-1"'),
    web('memory in GB', { resources: withResources({ memory: '1GB' }) }, '1GB'),
    web('cpu in words', { resources: withResources({ cpu: 'two' }) }, 'two'),
    web('zero cpu request', { resources: withResources({ cpu: '0' }) }, '"0"'),
    web('limit below request', { resources: withResources({ cpu: '2' }, { cpu: '500m' }) }, '500m'),
  ],
  'Microservice: image': [
    web('uppercase repository', { image: 'ghcr.io/Acme/Web:1.2.3' }, 'ghcr.io/Acme/Web:1.2.3'),
    web('uppercase first component without a registry', { image: 'Acme/web:1.2.3' }, 'Acme/web:1.2.3'),
    web('short sha256 digest', { image: 'web@sha256:abc' }, 'web@sha256:abc'),
    web('digest of an unknown algorithm', { image: `web@md5:${'a'.repeat(32)}` }, 'md5'),
    web('LATEST in capitals', { image: 'ghcr.io/acme/web:LATEST' }, 'LATEST'),
    web('latest', { image: 'ghcr.io/acme/web:latest' }, 'ghcr.io/acme/web:latest'),
    web('leading space', { image: ' ghcr.io/acme/web:1.2.3' }, ' ghcr.io/acme/web:1.2.3'),
    web('trailing space', { image: 'ghcr.io/acme/web:1.2.3 ' }, 'ghcr.io/acme/web:1.2.3 '),
    web('no tag', { image: 'ghcr.io/acme/web' }, 'ghcr.io/acme/web'),
    web('registry port taken for a tag', { image: 'registry.local:5000/web' }, 'registry.local:5000/web'),
    web('tag with a plus', { image: 'ghcr.io/acme/web:1.2.3+build' }, '1.2.3+build'),
    web('double colon', { image: 'ghcr.io/acme/web::1' }, 'ghcr.io/acme/web::1'),
    web('empty image', { image: '' }, 'image ""'),
    web('tag of 129 characters', { image: `web:${'1'.repeat(129)}` }, '1'.repeat(129)),
  ],
  'Microservice: ports and Service': [
    web('two Service ports 80/TCP', { ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }, { name: 'admin', containerPort: 8081, servicePort: 80 }] }, '80/TCP'),
    web('two ports 8080/TCP (Service and container)', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'alt', containerPort: 8080 }] }, '8080/TCP'),
    web('lowercase protocol', { ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' as never }] }, '"tcp"'),
    web('container port 0', { ports: [{ name: 'http', containerPort: 0 }] }, 'containerPort 0'),
    web('service port above 65535', { ports: [{ name: 'http', containerPort: 8080, servicePort: 70000 }] }, '70000'),
    web('port name of 16 characters', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics-endpoint', containerPort: 9090 }] }, 'metrics-endpoint'),
    web('port name without a letter', { ports: [{ name: 'http', containerPort: 8080 }, { name: '9090', containerPort: 9090 }] }, '"9090"'),
    web('Service name starting with a digit', {}, '1web', `${PROD}/1web`, '1web'),
    web('Service name of 48 characters', {}, 'a'.repeat(48), `${PROD}/${'a'.repeat(48)}`, 'a'.repeat(48)),
    web('Service name with an underscore', {}, 'web_api', `${PROD}/web_api`, 'web_api'),
    web('session affinity timeout above a day', { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 100000 }, '100000'),
    web('session affinity timeout 0', { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 0 }, 'sessionAffinityTimeoutSeconds 0'),
    web('session affinity in lowercase', { sessionAffinity: 'clientip' as never }, 'clientip'),
    web('session affinity timeout without ClientIP', { sessionAffinityTimeoutSeconds: 600 }, 'sessionAffinityTimeoutSeconds'),
    web('component label with a space', { component: 'web api' }, 'web api'),
  ],
  'Microservice: environment variables': [
    web('name starting with a digit', { env: { '1WORKERS': '4' } }, '1WORKERS'),
    web('name with a space', { env: { 'LOG LEVEL': 'info' } }, 'LOG LEVEL'),
    web('name with "="', { env: { 'WORKERS=2': '2' } }, 'WORKERS=2'),
    web('empty name', { env: { '': 'x' } }, 'name ""'),
    web('value that is not a string', { env: { WORKERS: 4 as never } }, 'WORKERS'),
    web('literal password', { env: { DB_PASSWORD: 'hunter2' } }, 'DB_PASSWORD'),
    { ...web('PEM private key under an innocent name', { env: { TLS_BUNDLE: fake.pem } }, 'BEGIN RSA PRIVATE KEY'), absent: 'AAAAAAAAAAAAAAAA' },
    { ...web('GitHub token', { env: { SETTING: fake.github } }, 'ghp_…'), absent: fake.github },
    { ...web('Slack token', { env: { SETTING: fake.slack } }, 'xoxb-…'), absent: fake.slack },
    { ...web('AWS access key id', { env: { SETTING: fake.aws } }, 'AKIA…'), absent: fake.aws },
    { ...web('Stripe live key', { env: { SETTING: fake.stripe } }, 'sk_live_…'), absent: fake.stripe },
    { ...web('JWT', { env: { SETTING: fake.jwt } }, 'eyJ…'), absent: fake.jwt },
    web('secretEnv name starting with a digit', { secretEnv: { '1TOKEN': SecretReference.fromName('web').key('token') } }, '1TOKEN'),
    web('secretEnv Secret name with capitals', { secretEnv: { TOKEN: SecretReference.fromName('Web_Secrets').key('token') } }, 'Web_Secrets'),
    web('secretEnv key "..data"', { secretEnv: { TOKEN: SecretReference.fromName('web').key('..data') } }, '..data'),
    web('secretEnv key with a space', { secretEnv: { TOKEN: SecretReference.fromName('web').key('api token') } }, 'api token'),
    web('secretEnv key of 254 characters', { secretEnv: { TOKEN: SecretReference.fromName('web').key('k'.repeat(254)) } }, '254 characters'),
    web('secretEnv key "."', { secretEnv: { TOKEN: SecretReference.fromName('web').key('.') } }, '"."'),
  ],
  'Microservice: volumes and probes': [
    web('the same writable path twice', { writablePaths: ['/tmp', '/tmp/'] }, '/tmp/'),
    web('relative writable path', { writablePaths: ['tmp'] }, '"tmp"'),
    web('claim mounted on /tmp', { claims: [{ name: 'data', claimName: 'data', mountPath: '/tmp' }] }, '/tmp'),
    web('claim path climbing with ..', { claims: [{ name: 'data', claimName: 'data', mountPath: '/data/../etc' }] }, '/data/../etc'),
    web('claim volume name with capitals', { claims: [{ name: 'Data', claimName: 'data', mountPath: '/data' }] }, 'Data'),
    web('probe path without "/"', { probes: { readiness: { path: 'ready' }, liveness: { path: '/live' } } }, '"ready"'),
    web('probe period 0', { probes: { readiness: { path: '/ready', periodSeconds: 0 }, liveness: { path: '/live' } } }, 'periodSeconds 0'),
    web('probe on a port that does not exist', { probes: { readiness: { path: '/ready', port: 'admin' }, liveness: { path: '/live' } } }, 'admin'),
    web('identical readiness and liveness', { probes: { readiness: { path: '/health' }, liveness: { path: '/health' } } }, '/health'),
  ],
  'Microservice: autoscaling (HPA)': [
    web('averageValue "0"', { autoscaling: { minReplicas: 2, maxReplicas: 4, podsMetrics: [{ metric: 'rps', averageValue: '0' }] } }, '"0"'),
    web('averageValue 0', { autoscaling: { minReplicas: 2, maxReplicas: 4, podsMetrics: [{ metric: 'rps', averageValue: 0 }] } }, '"0"'),
    web('negative averageValue', { autoscaling: { minReplicas: 2, maxReplicas: 4, podsMetrics: [{ metric: 'rps', averageValue: '-5' }] } }, '-5'),
    web('averageValue in words', { autoscaling: { minReplicas: 2, maxReplicas: 4, podsMetrics: [{ metric: 'rps', averageValue: 'fast' }] } }, 'fast'),
    web('selectPolicy "max"', { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, scaleUp: { percent: 100, selectPolicy: 'max' as never } } }, '"max"'),
    web('minReplicas above maxReplicas', { autoscaling: { minReplicas: 5, maxReplicas: 3, cpuUtilization: 70 } }, 'minReplicas 5'),
    web('stabilization window above an hour', { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, scaleDown: { stabilizationWindowSeconds: 4000 } } }, '4000'),
    web('policy period 0', { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, scaleUp: { percent: 50, periodSeconds: 0 } } }, 'periodSeconds 0'),
    web('scale-up percent 0', { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, scaleUp: { percent: 0 } } }, 'percent 0'),
    web('cpu utilization 0', { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 0 } }, 'cpuUtilization 0%'),
    web('cpu utilization 70.5', { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70.5 } }, '70.5%'),
    web('metric name with a dash', { autoscaling: { minReplicas: 2, maxReplicas: 4, podsMetrics: [{ metric: 'http-requests', averageValue: 10 }] } }, 'http-requests'),
    web('the same metric twice', { autoscaling: { minReplicas: 2, maxReplicas: 4, podsMetrics: [{ metric: 'rps', averageValue: 10 }, { metric: 'rps', averageValue: 20 }] } }, '"rps"'),
    web('no metric', { autoscaling: { minReplicas: 2, maxReplicas: 4 } }, 'no metric'),
    web('one replica in production', { autoscaling: undefined, replicas: 1 }, 'replicas is 1'),
    {
      title: 'autoscaler name with capitals', path: `${PROD}/hpa`, value: 'Web',
      build: () => new Autoscaler(testChart(), 'hpa', {
        name: 'Web', labels: {}, minReplicas: 2, maxReplicas: 3, cpuUtilization: 70, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      }),
    },
  ],
  'Microservice: disruption budget': [
    web('minAvailable "150%"', { disruptionBudget: { minAvailable: '150%' } }, '150%', `${PROD}/web/single/disruption-budget`),
    web('maxUnavailable "0%"', { disruptionBudget: { maxUnavailable: '0%' } }, '0%', `${PROD}/web/single/disruption-budget`),
    web('minAvailable -1', { disruptionBudget: { minAvailable: -1 } }, '-1', `${PROD}/web/single/disruption-budget`),
    web('minAvailable equal to the replicas', { disruptionBudget: { minAvailable: 2 } }, 'minAvailable 2', `${PROD}/web/single/disruption-budget`),
    web('both bounds', { disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }, 'minAvailable and maxUnavailable', `${PROD}/web/single/disruption-budget`),
    {
      title: 'percentage with a space', path: `${PROD}/pdb`, value: '50 %',
      build: () => new DisruptionBudget(testChart(), 'pdb', { name: 'web', labels: {}, selector: { app: 'web' }, minReplicas: 3, minAvailable: '50 %' }),
    },
  ],
  'WebIngress': [
    web('host with capitals and an underscore', { ingresses: [{ host: 'Web_Example.com' }] }, 'Web_Example.com', `${PROD}/web/ingress-web`),
    web('host label of 70 characters', { ingresses: [{ host: `${'a'.repeat(70)}.example.com` }] }, '70 characters', `${PROD}/web/ingress-web`),
    web('single-label host', { ingresses: [{ host: 'localhost' }] }, 'localhost', `${PROD}/web/ingress-web`),
    web('IP address as host', { ingresses: [{ host: '10.0.0.1' }] }, '10.0.0.1', `${PROD}/web/ingress-web`),
    web('path with "//"', { ingresses: [{ host: 'web.example.com', paths: ['/api//v1'] }] }, '/api//v1', `${PROD}/web/ingress-web`),
    web('path with "/./"', { ingresses: [{ host: 'web.example.com', paths: ['/api/./v1'] }] }, '/api/./v1', `${PROD}/web/ingress-web`),
    web('path with "/../"', { ingresses: [{ host: 'web.example.com', paths: ['/api/../admin'] }] }, '/api/../admin', `${PROD}/web/ingress-web`),
    web('relative path', { ingresses: [{ host: 'web.example.com', paths: ['api'] }] }, '"api"', `${PROD}/web/ingress-web`),
    web('path with a query', { ingresses: [{ host: 'web.example.com', paths: ['/search?q=1'] }] }, '/search?q=1', `${PROD}/web/ingress-web`),
    web('path with an encoded slash', { ingresses: [{ host: 'web.example.com', paths: ['/a%2Fb'] }] }, '/a%2Fb', `${PROD}/web/ingress-web`),
    web('path ending in "/."', { ingresses: [{ host: 'web.example.com', paths: ['/api/.'] }] }, '/api/.', `${PROD}/web/ingress-web`),
    web('tlsSecretName with capitals', { ingresses: [{ host: 'web.example.com', tlsSecretName: 'Web_TLS' }] }, 'Web_TLS', `${PROD}/web/ingress-web`),
    web('proxy-body-size in words', { ingresses: [{ host: 'web.example.com', maxBodySize: 'ten megabytes' }] }, 'ten megabytes', `${PROD}/web/ingress-web`),
    web('proxy-body-size "10MB"', { ingresses: [{ host: 'web.example.com', maxBodySize: '10MB' }] }, '10MB', `${PROD}/web/ingress-web`),
    web('clusterIssuer with capitals', { ingresses: [{ host: 'web.example.com', clusterIssuer: 'LetsEncrypt' }] }, 'LetsEncrypt', `${PROD}/web/ingress-web`),
    web('rate limit 0', { ingresses: [{ host: 'web.example.com', rateLimit: { requestsPerMinute: 0 } }] }, 'requestsPerMinute 0', `${PROD}/web/ingress-web`),
    web('negative WebSocket timeout', { ingresses: [{ host: 'web.example.com', websocketTimeoutSeconds: -1 }] }, '-1', `${PROD}/web/ingress-web`),
    web('no TLS in production', { ingresses: [{ host: 'web.example.com', tls: false }] }, 'tls: false', `${PROD}/web/ingress-web`),
    web('Ingress name with capitals', { ingresses: [{ name: 'Web', host: 'web.example.com' }] }, '"Web"', `${PROD}/web/ingress-Web`),
    {
      title: 'pathType in lowercase', path: `${PROD}/ing`, value: 'prefix',
      build: () => {
        const chart = testChart();
        const backend = new Microservice(chart, 'web', webProps());
        return new EdgeRoute(chart, 'ing', { name: 'web', routes: [{ host: 'web.example.com', pathType: 'prefix' as never, backend }] });
      },
    },
    {
      title: 'a host and path routed twice', path: `${PROD}/web2/ingress-web2`, value: 'shop.example.com',
      build: () => {
        const chart = testChart();
        new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
        return new Microservice(chart, 'web2', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
      },
    },
  ],
  'Network policy: external egress': [
    web('prefix above 32', egress({ cidr: '10.0.0.0/33' }), '10.0.0.0/33', `${PROD}/web/network-policy`),
    web('octet above 255', egress({ cidr: '300.0.0.0/8' }), '300.0.0.0/8', `${PROD}/web/network-policy`),
    web('zero-padded octet', egress({ cidr: '010.0.0.0/8' }), '010.0.0.0/8', `${PROD}/web/network-policy`),
    web('host bits set', egress({ cidr: '10.0.0.5/24' }), '10.0.0.5/24', `${PROD}/web/network-policy`),
    web('IP without a prefix', egress({ cidr: '10.0.0.1' }), '"10.0.0.1"', `${PROD}/web/network-policy`),
    web('except outside the cidr', egress({ cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }), '192.168.0.0/16', `${PROD}/web/network-policy`),
    web('except equal to the cidr', egress({ cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] }), '10.0.0.0/8', `${PROD}/web/network-policy`),
    web('except wider than the cidr', egress({ cidr: '10.1.0.0/16', except: ['10.0.0.0/8'] }), '10.0.0.0/8', `${PROD}/web/network-policy`),
    web('invalid except entry', egress({ cidr: '10.0.0.0/8', except: ['10.0.0.0/40'] }), '10.0.0.0/40', `${PROD}/web/network-policy`),
    web('egress port 0', egress({ ports: [{ port: 0 }] }), 'port 0', `${PROD}/web/network-policy`),
    web('egress port above 65535', egress({ ports: [{ port: 70000 }] }), '70000', `${PROD}/web/network-policy`),
    web('egress without ports', egress({ ports: [] }), '10.0.0.0/8', `${PROD}/web/network-policy`),
    web('egress protocol in lowercase', egress({ ports: [{ port: 53, protocol: 'udp' as never }] }), '"udp"', `${PROD}/web/network-policy`),
    web('the same egress port twice', egress({ ports: [{ port: 443 }, { port: 443 }] }), '443/TCP', `${PROD}/web/network-policy`),
  ],
  'Network policy: connect': [
    {
      title: 'a peer from another environment', path: `${PROD}/web`, value: 'staging-shop/api',
      build: () => {
        const app = new App({ outdir: '/dev/null' });
        const prod = new SystemChart(app, { environment: new Environment(ENVIRONMENTS.production), system: 'shop' });
        const staging = new SystemChart(app, { environment: new Environment(ENVIRONMENTS.staging), system: 'shop' });
        return connect(new Microservice(prod, 'web', webProps()), new Microservice(staging, 'api', webProps()));
      },
    },
    {
      title: 'a port the peer does not have', path: `${PROD}/web`, value: 'grpc',
      build: () => {
        const chart = testChart();
        return connect(new Microservice(chart, 'web', webProps()), new Microservice(chart, 'api', webProps()), ['grpc']);
      },
    },
    {
      title: 'a workload as its own peer', path: `${PROD}/web`, value: 'own network peer',
      build: () => {
        const w = new Microservice(testChart(), 'web', webProps());
        return connect(w, w);
      },
    },
    {
      title: 'a peer without ports', path: `${PROD}/web`, value: 'backup',
      build: () => {
        const chart = testChart();
        return connect(new Microservice(chart, 'web', webProps()), new BackupJob(chart, 'backup', backupBase));
      },
    },
  ],
  'Worker': [
    worker('name starting with a digit', {}, '1worker', '1worker'),
    worker('name too long for its metrics Service', {}, 'w'.repeat(56), 'w'.repeat(56)),
    worker('metrics port that does not exist', { metrics: { port: 'prom' } }, 'prom'),
    worker('uppercase image', { image: 'ghcr.io/acme/Worker:1.0.0' }, 'ghcr.io/acme/Worker:1.0.0'),
    worker('memory in millibytes', { resources: withResources({ memory: '256m' }, { memory: '512Mi' }) }, '256m'),
    worker('env name starting with a digit', { env: { '2THREADS': '2' } }, '2THREADS'),
    worker('one replica in production', { replicas: 1 }, 'replicas is 1'),
    worker('egress except outside the cidr', { externalEgress: [{ cidr: '0.0.0.0/1', except: ['192.168.0.0/16'], ports: [{ port: 443 }], description: 'x' }] }, '192.168.0.0/16', 'w', `${PROD}/w/network-policy`),
    {
      title: 'envFrom key that is not a variable name', path: `${PROD}/w`, value: '1KEY',
      build: () => {
        const chart = testChart();
        const cfg = new AppConfig(chart, 'cfg', { name: 'worker-config', data: { '1KEY': 'x' } });
        return new Worker(chart, 'w', { ...workerBase, envFrom: [cfg] });
      },
    },
    worker('two container ports 9100/TCP', { ports: [{ name: 'metrics', containerPort: 9100 }, { name: 'admin', containerPort: 9100 }] }, '9100/TCP'),
  ],
  'StatefulService': [
    db('name of 53 characters (pods never created past 52)', {}, 'd'.repeat(53), 'd'.repeat(53)),
    db('name starting with a digit', {}, '1db', '1db'),
    db('data volume on /tmp beside the default /tmp mount', { dataVolume: { size: '10Gi', mountPath: '/tmp' } }, '/tmp'),
    db('data volume on a writable path', { writablePaths: ['/tmp', '/var/run/postgresql'], dataVolume: { size: '10Gi', mountPath: '/var/run/postgresql/' } }, '/var/run/postgresql/'),
    db('relative data path', { dataVolume: { size: '10Gi', mountPath: 'data' } }, '"data"'),
    db('storage 0Gi', { dataVolume: { size: '0Gi', mountPath: '/data' } }, '0Gi'),
    db('storage in GB', { dataVolume: { size: '10GB', mountPath: '/data' } }, '10GB'),
    db('storage in millibytes', { dataVolume: { size: '512m', mountPath: '/data' } }, '512m'),
    db('storage as a bare number', { dataVolume: { size: '100', mountPath: '/data' } }, '"100"'),
    db('storageClassName Fast_SSD', { dataVolume: { size: '10Gi', mountPath: '/data', storageClassName: 'Fast_SSD' } }, 'Fast_SSD'),
    db('unknown access mode', { dataVolume: { size: '10Gi', mountPath: '/data', accessModes: ['ReadWriteAll' as never] } }, 'ReadWriteAll'),
    db('autoscaling a datastore', { autoscaling: { minReplicas: 1, maxReplicas: 3 } as never }, 'cannot be autoscaled'),
    db('two Service ports 5432/TCP', { ports: [{ name: 'postgres', containerPort: 5432 }, { name: 'alt', containerPort: 5433, servicePort: 5432 }] }, '5432/TCP'),
    db('exporter without a tag', { exporter: { image: 'quay.io/prometheuscommunity/postgres-exporter', port: 9187, resources } }, 'quay.io/prometheuscommunity/postgres-exporter'),
    db('exporter port 0', { exporter: { image: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0', port: 0, resources } }, 'containerPort 0'),
    db('exporter env name with a space', { exporter: { image: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0', port: 9187, resources, env: { 'DATA SOURCE': 'x' } } }, 'DATA SOURCE'),
    db('replicas 0', { replicas: 0 }, 'replicas 0'),
    db('exporter and built-in metrics both', { exporter: { image: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0', port: 9187, resources }, metrics: { port: 'metrics' } }, 'both an exporter and metrics'),
    db('component label of 64 characters', { component: 'c'.repeat(64) }, 'c'.repeat(64)),
    db('cpu with a byte suffix', { resources: withResources({ cpu: '500Mi' }, { cpu: '1Gi' }) }, '500Mi'),
  ],
  'BackupJob': [
    cron('61 * * * *'),
    cron('*/0 * * * *'),
    cron('0 25 * * *'),
    cron('0 0 0 * *'),
    cron('0 0 * 13 *'),
    cron('0 0 * * 7'),
    cron('0 0 * * MON-FOO'),
    cron('5-1 * * * *'),
    cron('0 2 * *'),
    cron('0 2 * * * *'),
    cron('@dailly'),
    cron('@every 500ms'),
    cron('@every 0s'),
    cron('CRON_TZ=UTC 0 2 * * *'),
    cron('1-2-3 * * * *'),
    cron('*/5/2 * * * *'),
    cron('daily at 2'),
    cron('0 2 * * */x'),
    cron(''),
    backup('startingDeadlineSeconds 5', { startingDeadlineSeconds: 5 }, 'startingDeadlineSeconds 5'),
    { ...backup('startingDeadlineSeconds -5 says negative', { startingDeadlineSeconds: -5 }, '-5 is negative') },
    backup('backoffLimit -1', { backoffLimit: -1 }, 'backoffLimit -1'),
    backup('backoffLimit 1.5', { backoffLimit: 1.5 }, '1.5'),
    backup('activeDeadlineSeconds 0', { activeDeadlineSeconds: 0 }, 'activeDeadlineSeconds 0'),
    backup('historyLimit -1', { historyLimit: -1 }, 'historyLimit -1'),
    backup('name of 53 characters', {}, 'b'.repeat(53), 'b'.repeat(53)),
    backup('image without a tag', { image: 'postgres' }, '"postgres"'),
    backup('claim on /tmp', { claims: [{ name: 'backup', claimName: 'backup', mountPath: '/tmp' }] }, '/tmp'),
  ],
  'AppConfig': [
    config('key "..data"', { '..data': 'x' }, '..data'),
    config('key "."', { '.': 'x' }, '"."'),
    config('key ".."', { '..': 'x' }, '".."'),
    config('key of 254 characters', { ['k'.repeat(254)]: 'x' }, '254 characters'),
    config('key with a space', { 'LOG LEVEL': 'info' }, 'LOG LEVEL'),
    config('key with a slash', { 'conf/app.yaml': 'x' }, 'conf/app.yaml'),
    config('1.1 MB of data', { BIG: 'x'.repeat(1_100_000) }, '1100000 bytes'),
    config('PEM private key under an innocent key', { CA_BUNDLE: fake.pem }, 'CA_BUNDLE', 'AAAAAAAAAAAAAAAA'),
    config('GitHub token', { SETTINGS: fake.github }, 'ghp_…', fake.github),
    config('AWS access key id', { SETTINGS: fake.aws }, 'AKIA…', fake.aws),
    config('JWT', { SESSION: fake.jwt }, 'eyJ…', fake.jwt),
    config('URL with a password', { DATABASE_URL: 'postgresql://u:hunter2@db/x' }, 'postgresql://u:***@db/x', 'hunter2'),
    config('secret-looking key', { API_KEY: 'abc' }, 'API_KEY'),
    config('value that is not a string', { WORKERS: 4 as never }, 'WORKERS'),
    config('name with capitals', { A: 'b' }, 'Shop_Config', undefined, 'Shop_Config'),
  ],
  'SecretReference': [
    {
      title: 'Secret name with capitals', path: `${PROD}/user`, value: 'Shop_Secrets',
      build: () => SecretReference.fromName('Shop_Secrets').validate(new Construct(testChart(), 'user')),
    },
    {
      title: 'Secret name of 254 characters', path: `${PROD}/user`, value: 's'.repeat(254),
      build: () => SecretReference.fromName('s'.repeat(254)).validate(new Construct(testChart(), 'user')),
    },
    {
      title: 'Secret name with an empty label', path: `${PROD}/user`, value: 'shop..secrets',
      build: () => SecretReference.fromName('shop..secrets').validate(new Construct(testChart(), 'user')),
    },
  ],
  'ServiceMonitor': [
    web('metrics port that does not exist', { metrics: { port: 'prom' } }, 'prom', `${PROD}/web/monitor`),
    web('metrics path without "/"', { metrics: { path: 'metrics' } }, '"metrics"', `${PROD}/web/monitor`),
    web('scrape timeout longer than the interval', { metrics: { interval: '5s', scrapeTimeout: '10s' } }, '10s', `${PROD}/web/monitor`),
    {
      title: 'a scrape port the Service does not have', path: `${PROD}/mon`, value: 'metrics',
      build: () => new Monitor(testChart(), 'mon', { name: 'web', labels: {}, serviceSelector: { app: 'web' }, servicePortNames: ['http-api'], port: 'metrics' }),
    },
  ],
  // A few only: alert validation itself belongs to lib/monitoring and its own tests.
  'AlertRules': [
    alert('PromQL with an unclosed parenthesis', { expr: 'sum(rate(x[5m]) > 1' }, 'sum(rate(x[5m]) > 1'),
    alert('PromQL with a misspelt function', { expr: 'ratee(x[5m]) > 1' }, 'ratee'),
    alert('an unclosed template action', { description: 'down: {{ $labels.instance' }, '{{ $labels.instance'),
    alert('"for" in words', { for: '5 minutes' }, '5 minutes'),
  ],
  'Object metadata': [
    {
      title: 'annotations above 256 KiB', path: `${PROD}/x`, value: 'example.com/notes',
      build: () => namespacedMeta(new Construct(testChart(), 'x'), 'x', {}, { 'example.com/notes': 'n'.repeat(300 * 1024) }),
    },
    {
      title: 'annotation key with a space', path: `${PROD}/x`, value: 'team owner',
      build: () => namespacedMeta(new Construct(testChart(), 'x'), 'x', {}, { 'team owner': 'a' }),
    },
    {
      title: 'label key with two slashes', path: `${PROD}/x`, value: 'a/b/c',
      build: () => namespacedMeta(new Construct(testChart(), 'x'), 'x', { 'a/b/c': 'v' }),
    },
    {
      title: 'label value of 64 characters', path: `${PROD}/x`, value: 'v'.repeat(64),
      build: () => namespacedMeta(new Construct(testChart(), 'x'), 'x', { team: 'v'.repeat(64) }),
    },
  ],
  'Environment settings': [
    environment('monitoringNamespace "Monitoring"', { monitoringNamespace: 'Monitoring' }, 'Monitoring'),
    environment('ingressControllerNamespace with an underscore', { ingressControllerNamespace: 'ingress_nginx' }, 'ingress_nginx'),
    environment('ingressClassName "Nginx"', { ingressClassName: 'Nginx' }, 'Nginx'),
    environment('clusterIssuer with capitals', { clusterIssuer: 'LetsEncrypt-Prod' }, 'LetsEncrypt-Prod'),
    environment('hostLabel with capitals', { hostLabel: 'Staging' }, 'Staging'),
    environment('prometheusSelector value with a space', { prometheusSelector: { release: 'kube prometheus' } }, 'kube prometheus'),
    environment('Argo CD namespace with capitals', { gitops: { ...ENVIRONMENTS.production.gitops, namespace: 'ArgoCD' } }, 'ArgoCD'),
    environment('unknown environment name', { name: 'qa' as EnvironmentName }, '"qa"', 'qa'),
  ],
  'SystemChart and namespaces': [
    namespace('namespace kube-system', 'kube-system'),
    namespace('namespace kube-public', 'kube-public'),
    namespace('namespace default', 'default'),
    namespace('the monitoring namespace', 'monitoring'),
    namespace('the Argo CD namespace', 'argocd'),
    namespace('the ingress controller namespace', 'ingress-nginx'),
    namespace('namespace with capitals', 'Shop_NS'),
    {
      title: 'two systems in one namespace', path: 'production-cart', value: 'shared',
      build: () => {
        const app = new App({ outdir: '/dev/null' });
        const env = new Environment(ENVIRONMENTS.production);
        new SystemChart(app, { environment: env, system: 'shop', namespace: 'shared' });
        return new SystemChart(app, { environment: env, system: 'cart', namespace: 'shared' });
      },
    },
    {
      title: 'a system named argocd', path: 'production-argocd', value: 'argocd',
      build: () => new SystemChart(new App({ outdir: '/dev/null' }), { environment: new Environment(ENVIRONMENTS.production), system: 'argocd' }),
    },
    {
      title: 'a system built twice', path: PROD, value: '"shop"',
      build: () => {
        const app = new App({ outdir: '/dev/null' });
        const env = new Environment(ENVIRONMENTS.production);
        new SystemChart(app, { environment: env, system: 'shop' });
        return new SystemChart(app, { environment: env, system: 'shop' });
      },
    },
    {
      title: 'system name with capitals', path: 'production-Shop', value: 'Shop',
      build: () => new SystemChart(new App({ outdir: '/dev/null' }), { environment: new Environment(ENVIRONMENTS.production), system: 'Shop' }),
    },
  ],
  'releases.json': [
    release('unknown environment "prodution"', { prodution: {}, production: { shop: { web: { image: 'ghcr.io/acme/web:1.0.0' } } } }, 'prodution'),
    release('field "imgae"', releases({ imgae: 'ghcr.io/acme/web:1.0.0' }), 'imgae'),
    releaseBlueGreen('field "canaryweight"', { active: 'blue', blue: 'ghcr.io/acme/web:1', green: 'ghcr.io/acme/web:2', canaryweight: 5 }, 'canaryweight'),
    releaseBlueGreen('canaryWeight "5"', { active: 'blue', blue: 'ghcr.io/acme/web:1', green: 'ghcr.io/acme/web:2', canaryWeight: '5' }, '"5"'),
    releaseBlueGreen('canaryWeight 150', { active: 'blue', blue: 'ghcr.io/acme/web:1', green: 'ghcr.io/acme/web:2', canaryWeight: 150 }, '150'),
    releaseBlueGreen('liveFloor "4"', { active: 'blue', blue: 'ghcr.io/acme/web:1', green: 'ghcr.io/acme/web:2', liveFloor: '4' }, '"4"'),
    releaseBlueGreen('active "purple"', { active: 'purple', blue: 'ghcr.io/acme/web:1' }, 'purple'),
    releaseBlueGreen('idle "cold"', { active: 'blue', blue: 'ghcr.io/acme/web:1', idle: 'cold' }, 'cold'),
    release('image as a number', releases({ image: 5 }), 'the number 5'),
    release('image and active both', releases({ image: 'ghcr.io/acme/web:1', active: 'blue' }), '"active"'),
    release('an empty release', releases({}), '"web"'),
    release('a release that is a string', releases('ghcr.io/acme/web:1.0.0' as never), 'ghcr.io/acme/web:1.0.0'),
    release('a system that is a list', { dev: {}, staging: {}, production: { shop: [] } }, '"shop"'),
    release('canaryWeight on a single-color release', releases({ image: 'ghcr.io/acme/web:1', canaryWeight: 5 }), 'canaryWeight'),
    {
      title: 'a service no construct asks for', path: PROD, value: 'webb',
      build: () => {
        const chart = testChart();
        const file = releases({ image: 'ghcr.io/acme/web:1.0.0' }, {});
        (file.production.shop as Record<string, unknown>).webb = { image: 'ghcr.io/acme/web:1.0.0' };
        imageOf(chart, 'shop', 'web', file);
        checkReleasesUsed(chart, file);
      },
    },
    {
      title: 'a system no construct asks for', path: PROD, value: 'shopp',
      build: () => {
        const chart = testChart();
        const file = releases({ image: 'ghcr.io/acme/web:1.0.0' }, { shopp: { web: { image: 'ghcr.io/acme/web:1.0.0' } } });
        imageOf(chart, 'shop', 'web', file);
        checkReleasesUsed(chart, file);
      },
    },
    {
      title: 'an uppercase image from the release file', path: `${PROD}/web`, value: 'ghcr.io/Acme/web:1.0.0',
      build: () => {
        const chart = testChart();
        return new Microservice(chart, 'web', webProps({ image: imageOf(chart, 'shop', 'web', releases({ image: 'ghcr.io/Acme/web:1.0.0' })) }));
      },
    },
  ],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad-input catalogue: refused at construct time with path, value and fix', () => {
  for (const [construct, cases] of Object.entries(catalogue)) {
    describe(construct, () => {
      test.each(cases.map(c => [c.title, c] as const))('%s', (_title, c) => {
        let error: unknown;
        try {
          c.build();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ConfigurationError);
        const message = (error as Error).message;
        expect(message).toMatch(new RegExp(`^${escape(c.path)}: `));
        expect(message).toContain(c.value);
        expect(message).toMatch(/\. Fix: \S/);
        if (c.absent) {
          expect(message).not.toContain(c.absent);
        }
      });
    });
  }

  test('the catalogue holds at least 150 cases across every construct', () => {
    const counts = Object.fromEntries(Object.entries(catalogue).map(([k, v]) => [k, v.length]));
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(150);
    expect(Object.values(counts).every(n => n > 0)).toBe(true);
  });
});

describe('valid input is accepted', () => {
  test.each(['@daily', '@midnight', '@hourly', '@yearly', '@annually', '@monthly', '@weekly', '@every 6h',
    '0 2 * * MON-FRI', '*/15 9-17 * JAN,JUL sun', '0 0 1 */3 ?', '5/15 * * * *', '0 0 1-31/2 * *'])('schedule %s', schedule => {
    const all = objects((() => { const chart = testChart(); new BackupJob(chart, 'backup', { ...backupBase, schedule }); return chart; })());
    expect(find(all, 'CronJob', 'backup').spec.schedule).toBe(schedule);
  });

  test('cpu utilization above 100% (pods may use more than they request)', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 150, memoryUtilization: 120 } }));
    const metrics = find(objects(chart), 'HorizontalPodAutoscaler', 'web').spec.metrics;
    expect(metrics.map((m: any) => m.resource.target.averageUtilization)).toEqual([150, 120]);
  });

  test('TCP and UDP on the same port', () => {
    const chart = testChart();
    new Microservice(chart, 'dns', webProps({
      ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns-tcp', containerPort: 53 }, { name: 'dns-udp', containerPort: 53, protocol: 'UDP' }],
      metrics: false,
    }));
    const ports = find(objects(chart), 'Service', 'dns').spec.ports;
    expect(ports.filter((p: any) => p.port === 53).map((p: any) => p.protocol)).toEqual(['TCP', 'UDP']);
  });

  test('quantities Kubernetes reads as meant: cpu "0.5", memory "1G", a byte count, storage "1.5Ti"', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ resources: { requests: { cpu: '0.5', memory: '1G' }, limits: { cpu: '1', memory: '2147483648' } } }));
    new StatefulService(chart, 'db', { ...dbBase, dataVolume: { size: '1.5Ti', mountPath: '/data', storageClassName: 'fast-ssd.example.com' } });
    expect(find(objects(chart), 'Deployment', 'web').spec.template.spec.containers[0].resources.limits.memory).toBe('2147483648');
  });

  test.each(['registry.local:5000/web:1.0', `web@sha256:${'a'.repeat(64)}`, 'localhost/web:1', 'web:1.2.3_rc-1',
    `ghcr.io/acme/web:1.0@sha256:${'b'.repeat(64)}`, 'docker.io/library/postgres:15.8'])('image %s', image => {
    expect(() => new Microservice(testChart(), 'web', webProps({ image }))).not.toThrow();
  });

  test('an except inside its cidr, a wildcard host (ingress-nginx), proxy-body-size 0 and 8k, env names with dots and dashes', () => {
    const chart = testChart('production', 'shop', { edge: 'ingress-nginx' });
    new Microservice(chart, 'web', webProps({
      ...egress({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] }),
      env: { 'my.setting-name': 'x', _PRIVATE_FLAG: '1' },
      ingresses: [{ host: '*.example.com', maxBodySize: '0' }, { name: 'upload', host: 'upload.example.com', maxBodySize: '8k' }],
    }));
    expect(find(objects(chart), 'Ingress', 'web').spec.rules[0].host).toBe('*.example.com');
  });

  test('selectPolicy Disabled, startingDeadlineSeconds 10, backoffLimit 0, historyLimit 0', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, scaleDown: { selectPolicy: 'Disabled' } } }));
    new BackupJob(chart, 'backup', { ...backupBase, startingDeadlineSeconds: 10, backoffLimit: 0, historyLimit: 0 });
    const all = objects(chart);
    expect(find(all, 'HorizontalPodAutoscaler', 'web').spec.behavior.scaleDown.selectPolicy).toBe('Disabled');
    expect(find(all, 'CronJob', 'backup').spec.startingDeadlineSeconds).toBe(10);
    expect(find(all, 'CronJob', 'backup').spec.jobTemplate.spec.backoffLimit).toBe(0);
  });

  test('ConfigMap keys that are valid file names; a Secret name with dots', () => {
    const chart = testChart();
    new AppConfig(chart, 'cfg', { name: 'shop-config', data: { 'app.properties': 'a=b', '.hidden': 'x', 'a..b': 'y' } });
    new Worker(chart, 'w', { ...workerBase, secretEnv: { TOKEN: SecretReference.fromName('shop.tokens').key('api.token') } });
    expect(Object.keys(find(objects(chart), 'ConfigMap', 'shop-config').data)).toEqual(['.hidden', 'a..b', 'app.properties']);
  });

  test('one system per namespace in each environment, the same namespace in another environment', () => {
    const app = new App({ outdir: '/dev/null' });
    for (const env of ['staging', 'production'] as const) {
      new SystemChart(app, { environment: new Environment(ENVIRONMENTS[env]), system: 'shop' });
    }
    expect(app.charts.length).toBe(2);
  });
});
