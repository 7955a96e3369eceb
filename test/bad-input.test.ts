import { App } from 'cdk8s';
import { Microservice, MicroserviceProps } from '../lib/workload/microservice';
import { connect } from '../lib/network/network-policy';
import { EdgeRoute } from '../lib/edge/edge-route';
import { WebIngress } from '../lib/ingress/web-ingress';
import { SystemChart } from '../lib/chart';
import { Environment } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { testChart, webProps } from './util';

/**
 * Every bad input is refused while the construct is built, with a message that names the
 * construct path, the bad value and the fix.
 */
type Case = [title: string, props: Partial<MicroserviceProps>, message: RegExp, env?: 'dev' | 'staging' | 'production'];

const cases: Case[] = [
  ['minReplicas > maxReplicas', { autoscaling: { minReplicas: 5, maxReplicas: 3, cpuUtilization: 70 } },
    /autoscaling.minReplicas 5 is greater than maxReplicas 3.*Fix: make minReplicas less than or equal to maxReplicas/],
  ['minReplicas < 1', { autoscaling: { minReplicas: 0, maxReplicas: 3, cpuUtilization: 70 } },
    /autoscaling.minReplicas 0 is not a whole number ≥ 1/, 'dev'],
  ['cpu utilization that is not a whole percentage', { autoscaling: { minReplicas: 2, maxReplicas: 3, cpuUtilization: 70.5 } },
    /autoscaling.cpuUtilization 70.5% is not a whole percentage above 0/],
  ['memory utilization of 0', { autoscaling: { minReplicas: 2, maxReplicas: 3, memoryUtilization: 0 } },
    /autoscaling.memoryUtilization 0% is not a whole percentage above 0/],
  ['autoscaling without metrics', { autoscaling: { minReplicas: 2, maxReplicas: 3 } }, /autoscaling has no metric/],
  ['port outside 1-65535', { ports: [{ name: 'http', containerPort: 70000 }] }, /port "http" containerPort 70000 is outside 1-65535/],
  ['duplicate port names', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'http', containerPort: 8081 }] },
    /duplicate port name "http"/],
  ['invalid port name', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'Metrics_Port', containerPort: 9090 }] },
    /port name "Metrics_Port" is not a valid port name/],
  ['missing resources', { resources: undefined as any }, /resources are missing.*Fix: set resources.requests and resources.limits/],
  ['missing memory limit', { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1' } as any } },
    /resources.requests.memory or resources.limits.memory is missing/],
  ['limit below request', { resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } } },
    /resources.limits.cpu "500m" is below its request "2".*Fix: raise the cpu limit to at least 2/],
  ['unparseable quantity', { resources: { requests: { cpu: '1', memory: '1GB' }, limits: { cpu: '1', memory: '2Gi' } } },
    /resources.requests.memory "1GB" is not a resource quantity/],
  ['untagged image', { image: 'ghcr.io/acme/web' }, /image "ghcr.io\/acme\/web" has no tag.*Fix: pin an explicit version tag/],
  ['latest image', { image: 'ghcr.io/acme/web:latest' }, /image "ghcr.io\/acme\/web:latest" uses the tag "latest"/],
  ['registry port mistaken for a tag', { image: 'registry.local:5000/web' }, /has no tag/],
  ['identical liveness and readiness', { probes: { readiness: { path: '/health' }, liveness: { path: '/health' } } },
    /readiness and liveness probes check the same thing \(GET \/health\)/],
  ['liveness on the readiness endpoint with other timing (kube-score pod-probes-identical)',
    { probes: { readiness: { path: '/health' }, liveness: { path: '/health', periodSeconds: 30, failureThreshold: 6 } } },
    /readiness and liveness probes check the same thing \(GET \/health\).*Fix: give liveness its own endpoint.*\{ tcp: true \}/],
  ['probe on an unknown port', { probes: { readiness: { path: '/r', port: 'admin' }, liveness: { path: '/l' } } },
    /readiness probe port "admin" is not a named port/],
  ['no probes', { probes: undefined }, /the service has no probes/],
  ['no http port', { ports: [{ name: 'grpc', containerPort: 9000 }] }, /no port named "http"/],
  ['PDB that never allows a disruption', { disruptionBudget: { minAvailable: 2 } },
    /minAvailable 2 is not below the minimum replica count 2.*Fix: lower minAvailable below 2/],
  ['PDB with maxUnavailable 0', { disruptionBudget: { maxUnavailable: 0 } }, /maxUnavailable 0 allows no disruption/],
  ['PDB with both bounds', { disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }, /exactly one of minAvailable and maxUnavailable/],
  ['single replica in production', { autoscaling: undefined, replicas: 1 },
    /replicas is 1 in production, which must be highly available/],
  ['Ingress without TLS in staging', { ingresses: [{ host: 'web.example.com', tls: false }] },
    /Ingress web has no TLS in staging.*Fix: remove "tls: false"/, 'staging'],
  ['Ingress without TLS in production', { ingresses: [{ host: 'web.example.com', tls: false }] },
    /Ingress web has no TLS in production/],
  ['invalid host', { ingresses: [{ host: 'Web_Example' }] }, /host "Web_Example" is not a valid DNS name/],
  ['literal secret in env', { env: { DB_PASSWORD: 'hunter2' } },
    /environment variable DB_PASSWORD looks secret but holds a literal value.*Fix: reference a Secret key instead/],
  ['secret-looking ConfigMap value is separate', { env: { API_KEY: 'abc' } }, /API_KEY looks secret/],
  ['image and blueGreen both', { blueGreen: { active: 'blue', blue: { image: 'a/b:1' } } }, /both image and blueGreen are set/],
  ['scrape timeout longer than interval', { metrics: { interval: '5s', scrapeTimeout: '10s' } },
    /scrapeTimeout 10s is longer than the interval 5s/],
  ['unknown metrics port', { metrics: { port: 'prom' } }, /metrics port "prom" is not a named port of the Service/],
  ['bad egress CIDR', { externalEgress: [{ cidr: '10.0.0.0/33', ports: [{ port: 443 }], description: 'x' }] },
    /"10.0.0.0\/33" is not an IPv4 CIDR/],
];

describe('bad input is refused at construct time', () => {
  test.each(cases)('%s', (_title, props, message, env = 'production') => {
    const chart = testChart(env);
    expect(() => new Microservice(chart, 'web', webProps(props))).toThrow(message);
    // The message names the construct path.
    expect(() => new Microservice(testChart(env), 'web', webProps(props))).toThrow(new RegExp(`^${env}-shop/web`));
  });

  test('service names must be DNS-1035 labels', () => {
    expect(() => new Microservice(testChart(), 'Web_Server', webProps())).toThrow(
      /service name "Web_Server" is not a DNS-1035 label.*Fix: use at most 47 lowercase letters/);
  });

  test('two Ingresses cannot claim the same host and path', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
    expect(() => new Microservice(chart, 'web2', webProps({ ingresses: [{ host: 'shop.example.com' }] })))
      .toThrow(/host shop.example.com path \/ is already routed by production-shop\/web\/ingress-web/);
  });

  test('an Ingress without routes', () => {
    const chart = testChart();
    expect(() => new EdgeRoute(chart, 'x', { name: 'x', routes: [] })).toThrow(/the Ingress has no routes/);
    expect(() => new WebIngress(testChart('production', 'shop', { edge: 'ingress-nginx' }), 'x', { name: 'x', routes: [] })).toThrow(/the Ingress has no routes/);
  });

  test('a NetworkPolicy peer that does not exist in the environment', () => {
    const app = new App({ outdir: '/dev/null' });
    const prod = new SystemChart(app, { environment: new Environment(ENVIRONMENTS.production), system: 'shop' });
    const staging = new SystemChart(app, { environment: new Environment(ENVIRONMENTS.staging), system: 'shop' });
    const web = new Microservice(prod, 'web', webProps());
    const api = new Microservice(staging, 'api', webProps());
    expect(() => connect(web, api)).toThrow(
      /production-shop\/web: network peer staging-shop\/api does not exist in environment production/);
  });

  test('a peer port that does not exist', () => {
    const chart = testChart();
    const web = new Microservice(chart, 'web', webProps());
    const api = new Microservice(chart, 'api', webProps());
    expect(() => connect(web, api, ['grpc'])).toThrow(/network peer api has no port named "grpc".*Fix: use one of: http, metrics/);
  });
});
