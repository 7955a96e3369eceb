import { EdgeRoute } from '../lib/edge/edge-route';
import { App } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../lib/chart';
import { Environment } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { buildFleet } from '../lib/fleet';
import { ResponseHeaders } from '../lib/ingress/response-headers';
import { BLACKBOX_MODULES, SECURITY_HEADER_CHECKS } from '../lib/monitoring/blackbox';
import { EndpointProbes } from '../lib/monitoring/endpoint-probes';
import { publicHosts, publicRoutes } from '../lib/monitoring/public-hosts';
import { renderApp, validateApp } from '../lib/render/manifest-writer';
import { Microservice } from '../lib/workload/microservice';
import { find, objects, testChart, webProps } from './util';

/**
 * Endpoint probes: host discovery from the rendered edge objects (Ingress, HTTPRoute), the
 * Probes and their alerts on a small fixture, and over the fleet that every public host is
 * probed.
 */

const service = (name: string, selector: Record<string, string>, ports: any[] = [{ name: 'http', port: 80, targetPort: 'http' }]) =>
  ({ kind: 'Service', metadata: { name }, spec: { selector, ports } });
const deployment = (name: string, labels: Record<string, string>, readiness?: any, ports: any[] = [{ name: 'http', containerPort: 8080 }]) => ({
  kind: 'Deployment', metadata: { name },
  spec: { template: { metadata: { labels }, spec: { containers: [{ name, ports, ...(readiness ? { readinessProbe: { httpGet: readiness } } : {}) }] } } },
});
const ingress = (name: string, host: string, paths: Array<[string, string]>) => ({
  kind: 'Ingress', metadata: { name },
  spec: { rules: [{ host, http: { paths: paths.map(([path, svc]) => ({ path, pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } })) } }] },
});

describe('public host discovery', () => {
  test('an Ingress: one route per host and path; a wildcard host cannot be probed', () => {
    const routes = publicRoutes([
      ingress('api', 'api.example.com', [['/', 'api'], ['/v1/graph', 'graph']]),
      ingress('wild', '*.example.com', [['/', 'api']]),
      { kind: 'Service', metadata: { name: 'ignored' } },
    ]);
    expect(routes).toEqual([
      { host: 'api.example.com', path: '/', exact: false, serviceName: 'api', servicePort: 80, source: 'Ingress/api' },
      { host: 'api.example.com', path: '/v1/graph', exact: false, serviceName: 'graph', servicePort: 80, source: 'Ingress/api' },
    ]);
  });

  test('a Gateway API HTTPRoute: each hostname and path match, to the heaviest Service backend; no match is "/"', () => {
    const route = {
      kind: 'HTTPRoute', metadata: { name: 'web' },
      spec: {
        hostnames: ['shop.example.com', 'www.shop.example.com'],
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/api' } }, { path: { type: 'Exact', value: '/health' } }], backendRefs: [{ name: 'api', port: 80 }] },
          { backendRefs: [{ name: 'web-preview', port: 80, weight: 10 }, { name: 'web', port: 80, weight: 90 }] },
        ],
      },
    };
    expect(publicRoutes([route]).map(r => `${r.host}${r.path}${r.exact ? ' (exact)' : ''} -> ${r.serviceName}`)).toEqual([
      'shop.example.com/api -> api', 'shop.example.com/health (exact) -> api',
      'www.shop.example.com/api -> api', 'www.shop.example.com/health (exact) -> api',
      'shop.example.com/ -> web', 'www.shop.example.com/ -> web',
    ]);
  });

  test('the probe path is the readiness check of the Service behind "/", where the host routes it there on the same port', () => {
    const objectsWith = (readiness: any, extraPaths: Array<[string, string]> = []) => [
      ingress('api', 'api.example.com', [['/', 'api'], ...extraPaths]),
      service('api', { app: 'api', color: 'blue' }),
      deployment('api-blue', { app: 'api', color: 'blue' }, readiness),
      deployment('api-green', { app: 'api', color: 'green' }, { path: '/other', port: 'http' }),
    ];
    const path = (objs: any[]) => publicHosts(objs)[0].probePath;
    expect(path(objectsWith({ path: '/health/ready', port: 'http' }))).toBe('/health/ready');
    expect(path(objectsWith({ path: '/health/ready', port: 8080 }))).toBe('/health/ready'); // the named port's number
    // On another port (a metrics port), or routed elsewhere by a longer prefix: the host's root.
    expect(path(objectsWith({ path: '/health/ready', port: 9090 }))).toBe('/');
    expect(path(objectsWith({ path: '/health/ready', port: 'http' }, [['/health', 'status']]))).toBe('/');
    expect(path(objectsWith(undefined))).toBe('/');
  });

  test('a host whose every route goes to a preview Service is a preview host', () => {
    const hosts = publicHosts([ingress('web', 'shop.example.com', [['/', 'web']]), ingress('web-preview', 'preview.shop.example.com', [['/', 'web-preview']])]);
    expect(hosts.map(h => [h.host, h.preview, h.sources])).toEqual([
      ['preview.shop.example.com', true, ['Ingress/web-preview']],
      ['shop.example.com', false, ['Ingress/web']],
    ]);
  });
});

describe('EndpointProbes', () => {
  function shop(options: { preview?: boolean; latency?: number } = {}) {
    const chart = testChart('production');
    const web = new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
    if (options.preview) {
      new EdgeRoute(chart, 'preview', { name: 'web-preview', routes: [{ host: 'preview.shop.example.com', backend: { ...web, serviceName: 'web-preview', httpServicePort: 80, allowFromIngressController: () => undefined, allowFromGatewayDataPlane: () => undefined } }] });
    }
    const probes = new EndpointProbes(chart, 'probes', { alertPrefix: 'Shop', latencyThresholdSeconds: options.latency ?? 0.5 });
    return { chart, probes };
  }

  test('three Probes through the platform\'s exporter: status and latency, headers, certificates (preview hosts too)', () => {
    const { chart } = shop({ preview: true });
    const all = objects(chart);
    const spec = (name: string) => find(all, 'Probe', name).spec;
    expect(spec('endpoints')).toEqual({
      prober: { url: 'blackbox-exporter.monitoring.svc:9115', scheme: 'http', path: '/probe' },
      module: 'http_2xx', interval: '15s', scrapeTimeout: '10s',
      targets: { staticConfig: { static: ['https://shop.example.com/ready'] } },
    });
    expect(spec('security-headers')).toMatchObject({ module: 'http_security_headers', targets: { staticConfig: { static: ['https://shop.example.com/ready'] } } });
    expect(spec('certificates')).toMatchObject({ module: 'tls_certificate', targets: { staticConfig: { static: ['preview.shop.example.com:443', 'shop.example.com:443'] } } });
    expect(find(all, 'Probe', 'endpoints').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    for (const s of ['endpoints', 'security-headers', 'certificates']) { expect(spec(s).module in BLACKBOX_MODULES).toBe(true); }
  });

  test('alerts on each probe: down (also with no result at all), slow above the threshold, headers, certificate expiry at 30 days, handshake', () => {
    const { chart } = shop({ latency: 0.8 });
    const rules = find(objects(chart), 'PrometheusRule', 'shop-endpoints').spec.groups.flatMap((g: any) => g.rules);
    const by = (name: string) => rules.find((r: any) => r.alert === name);
    expect(rules.map((r: any) => [r.alert, r.labels.severity, r.for])).toEqual([
      ['ShopEndpointDown', 'critical', '30s'], ['ShopEndpointSlow', 'warning', '2m'], ['ShopSecurityHeadersMissing', 'warning', '3m'],
      ['ShopCertificateExpiringSoon', 'warning', '1h'], ['ShopTLSHandshakeFailing', 'warning', '10m'],
    ]);
    expect(by('ShopEndpointDown').expr).toBe('probe_success{namespace="shop", job="probe/shop/endpoints"} == 0 or absent(probe_success{namespace="shop", job="probe/shop/endpoints"})');
    expect(by('ShopEndpointSlow').expr).toBe('avg_over_time(probe_duration_seconds{namespace="shop", job="probe/shop/endpoints"}[2m]) > 0.8');
    expect(by('ShopCertificateExpiringSoon').expr).toMatch(/ - time\(\) < 30 \* 86400$/);
    // Down and slow are one problem: the page mutes the warning.
    expect([by('ShopEndpointDown').labels.family, by('ShopEndpointSlow').labels.family]).toEqual(['endpoint', 'endpoint']);
  });

  test('the security-header checks are exactly the headers ResponseHeaders sends', () => {
    const headers = new ResponseHeaders(testChart(), 'h', { name: 'security-headers' }).headers;
    expect(Object.keys(SECURITY_HEADER_CHECKS).sort()).toEqual(Object.keys(headers).sort());
    for (const [name, regexp] of Object.entries(SECURITY_HEADER_CHECKS)) {
      expect([name, new RegExp(regexp).test(headers[name])]).toEqual([name, true]);
    }
    expect(new RegExp(SECURITY_HEADER_CHECKS['X-Frame-Options']).test('ALLOW-FROM https://x')).toBe(false);
  });

  test('refuses a system with no public host, a bad prefix or threshold, and a host routed after the probes were built', () => {
    expect(() => new EndpointProbes(testChart(), 'probes', { alertPrefix: 'Shop', latencyThresholdSeconds: 0.5 }))
      .toThrow('production-shop/probes: system shop renders no Ingress or HTTPRoute with a host before its EndpointProbes. Fix: create EndpointProbes after');
    expect(() => shop({ latency: 0 })).toThrow('latencyThresholdSeconds 0 is not between 0 and the probes\' 5 s timeout');
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
    expect(() => new EndpointProbes(chart, 'p', { alertPrefix: 'shop', latencyThresholdSeconds: 0.5 })).toThrow('alertPrefix "shop" is not UpperCamelCase');
    const app = new App({ outdir: '/dev/null' });
    const late = new SystemChart(app, { environment: new Environment(ENVIRONMENTS.production), system: 'shop' });
    new Microservice(late, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
    new EndpointProbes(late, 'probes', { alertPrefix: 'Shop', latencyThresholdSeconds: 0.5 });
    new k8s.KubeIngress(late, 'late', { metadata: { name: 'late', namespace: 'shop' }, spec: { rules: [{ host: 'late.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
    expect(() => validateApp(app)).toThrow('production-shop/probes: the system routes late.example.com differently from when the probes were built. Fix: create EndpointProbes after every Ingress and route');
  });
});

describe('the fleet\'s probes', () => {
  const files = renderApp(buildFleet()).filter(f => f.object);
  const byDir = new Map<string, any[]>();
  for (const f of files) {
    const dir = f.path.split('/').slice(0, 2).join('/');
    byDir.set(dir, [...(byDir.get(dir) ?? []), f.object]);
  }
  const systemDirs = [...byDir.keys()].filter(d => !/\/(argocd|platform|platform-config)$/.test(d));

  test.each(systemDirs)('%s: every public host has a certificate probe, every live one a status, latency and header probe, each with its alerts', dir => {
    const all = byDir.get(dir)!;
    const hosts = publicHosts(all);
    expect(hosts.length).toBeGreaterThan(0);
    const probe = (name: string) => all.find(o => o.kind === 'Probe' && o.metadata.name === name).spec.targets.staticConfig.static;
    expect(probe('certificates')).toEqual(hosts.map(h => `${h.host}:443`));
    const live = hosts.filter(h => !h.preview).map(h => `https://${h.host}${h.probePath}`);
    expect(probe('endpoints')).toEqual(live);
    expect(probe('security-headers')).toEqual(live);
    const alerts = all.filter(o => o.kind === 'PrometheusRule').flatMap(o => o.spec.groups.flatMap((g: any) => g.rules)).map((r: any) => r.alert);
    expect(alerts.filter((a: string) => /(EndpointDown|CertificateExpiringSoon|SecurityHeadersMissing|EndpointSlow)$/.test(a))).toHaveLength(4);
  });
});
