import { App, JsonPatch } from 'cdk8s';
import { SystemChart } from '../lib/chart';
import { EdgeRoute } from '../lib/edge/edge-route';
import { Edge, Environment, EnvironmentSettings } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { buildFleet, EDGES_CONTEXT } from '../lib/fleet';
import { EdgeGateway } from '../lib/gateway/edge-gateway';
import { PlatformChart } from '../lib/platform/platform-chart';
import { renderApp } from '../lib/render/manifest-writer';
import { Microservice } from '../lib/workload/microservice';
import { find, webProps } from './util';

/** Two small systems in one environment and the Gateway the platform would render for them. */
function edgeOf(build: (shop: SystemChart, billing: SystemChart) => void, settings: Partial<EnvironmentSettings> = {}) {
  const app = new App({ outdir: '/dev/null' });
  const env = new Environment({ ...ENVIRONMENTS.production, ...settings });
  const shop = new SystemChart(app, { environment: env, system: 'shop' });
  const billing = new SystemChart(app, { environment: env, system: 'billing' });
  build(shop, billing);
  const config = new PlatformChart(app, env, 'platform-config');
  const gateway = new EdgeGateway(config, 'gateway', { objects: [...shop.toJson(), ...billing.toJson()] });
  return { gateway, objects: config.toJson() };
}

describe('the Gateway (EdgeGateway)', () => {
  test('an HTTPS listener per routed host, open only to the namespaces whose routes claim it; HTTP open to its own namespace', () => {
    const { gateway, objects } = edgeOf((shop, billing) => {
      new Microservice(shop, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }, { name: 'web-api', host: 'api.example.com', paths: ['/shop'] }] }));
      new Microservice(billing, 'invoices', webProps({ ingresses: [{ host: 'api.example.com', paths: ['/invoices'] }] }));
    });
    expect(gateway.hosts).toEqual([
      { host: 'api.example.com', namespaces: ['billing', 'shop'] },
      { host: 'shop.example.com', namespaces: ['shop'] },
    ]);
    const listeners = find(objects, 'Gateway', 'edge').spec.listeners;
    expect(listeners.map((l: any) => [l.name, l.protocol, l.port, l.hostname, l.tls?.certificateRefs[0].name, l.allowedRoutes.namespaces])).toEqual([
      ['http', 'HTTP', 80, undefined, undefined, { from: 'Same' }],
      ['api.example.com', 'HTTPS', 443, 'api.example.com', 'api-example-com-tls',
        { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['billing', 'shop'] }] } }],
      ['shop.example.com', 'HTTPS', 443, 'shop.example.com', 'shop-example-com-tls',
        { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] } }],
    ]);
    expect(find(objects, 'GatewayClass', 'envoy-gateway').spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(find(objects, 'HTTPRoute', 'https-redirect').metadata.namespace).toBe('edge');
  });

  test('a route on a listener that is not its host\'s is refused, as are more hosts than a Gateway has listeners for', () => {
    expect(() => edgeOf(shop => {
      new Microservice(shop, 'web', webProps({ ingresses: [{ host: 'shop.example.com' }] }));
      const route = shop.node.findAll().find(c => (c as any).kind === 'HTTPRoute') as any;
      route.addJsonPatch(JsonPatch.replace('/spec/parentRefs/0/sectionName', 'http'));
    })).toThrow('HTTPRoute shop/web attaches to listener "http" of Gateway edge/edge, which is not the listener of one of its hostnames (shop.example.com)');
    expect(() => edgeOf(shop => {
      for (let i = 0; i < 64; i++) { new Microservice(shop, `web-${i}`, webProps({ ingresses: [{ host: `web-${i}.example.com` }] })); }
    })).toThrow(/the Gateway would need 65 listeners \(one per host, and HTTP\), more than the 64 a Gateway may have/);
  });

  test('no Gateway where the edge is ingress-nginx', () => {
    expect(() => edgeOf(() => undefined, { edge: 'ingress-nginx' })).toThrow(/production's edge is ingress-nginx, which renders no Gateway/);
  });
});

describe('the edge setting', () => {
  test.each<[string, Partial<EnvironmentSettings>, RegExp]>([
    ['an unknown edge', { edge: 'traefik' as Edge }, /edge "traefik" is not one of gateway-api, ingress-nginx, both/],
    ['an unknown implementation', { gateway: { ...ENVIRONMENTS.production.gateway, implementation: 'istio' as never } }, /gateway\.implementation "istio" is not one of envoy-gateway/],
    ['a Gateway name that is no DNS label', { gateway: { ...ENVIRONMENTS.production.gateway, name: 'Edge' } }, /gateway\.name "Edge" is not a DNS-1123 label/],
    ['the Gateway in Argo CD\'s namespace', { gateway: { ...ENVIRONMENTS.production.gateway, namespace: 'argocd' } }, /gateway\.namespace "argocd" is the namespace of Argo CD/],
    ['no data plane labels', { gateway: { ...ENVIRONMENTS.production.gateway, dataPlane: { namespace: 'envoy-gateway-system', podLabels: {} } } },
      /gateway\.dataPlane\.podLabels is empty, so NetworkPolicies would admit every pod of its namespace/],
  ])('refuses %s, naming the environment and the fix', (_what, settings, message) => {
    expect(() => new Environment({ ...ENVIRONMENTS.production, ...settings })).toThrow(message);
    expect(() => new Environment({ ...ENVIRONMENTS.production, ...settings })).toThrow(/^environments\/production: .*Fix: /);
  });

  test('a system cannot take the Gateway\'s namespace or its implementation\'s', () => {
    const env = new Environment(ENVIRONMENTS.production);
    expect(() => new SystemChart(new App({ outdir: '/dev/null' }), { environment: env, system: 'edge' })).toThrow(/namespace "edge" is where the Gateway \(with its certificates\) runs in production/);
    expect(() => new SystemChart(new App({ outdir: '/dev/null' }), { environment: env, system: 'shop', namespace: 'envoy-gateway-system' })).toThrow(/the Gateway implementation and its proxies/);
  });

  test('switching an environment\'s edge is one setting: the whole fleet renders for it', () => {
    const app = new App({ outdir: '/dev/null' });
    app.node.setContext(EDGES_CONTEXT, { production: 'ingress-nginx' });
    const files = renderApp(buildFleet(app)).filter(f => f.object && f.path.startsWith('production/'));
    const kinds = new Set(files.map(f => f.object.kind));
    expect([kinds.has('Ingress'), kinds.has('HTTPRoute'), kinds.has('Gateway')]).toEqual([true, false, false]);
    expect(files.some(f => f.object.kind === 'Application' && f.object.metadata.name === 'ingress-nginx')).toBe(true);
  });

  test('a route claims its host and path once, whichever edges render it', () => {
    const app = new App({ outdir: '/dev/null' });
    const chart = new SystemChart(app, { environment: new Environment({ ...ENVIRONMENTS.production, edge: 'both' }), system: 'shop' });
    const web = new Microservice(chart, 'web', webProps());
    const route = new EdgeRoute(chart, 'r', { name: 'web', routes: [{ host: 'shop.example.com', backend: web }] });
    expect([route.ingress?.ingress.name, route.route?.httpRoutes.map(r => r.name)]).toEqual(['web', ['web']]);
    expect(() => new EdgeRoute(chart, 'r2', { name: 'web2', routes: [{ host: 'shop.example.com', backend: web }] }))
      .toThrow('production-shop/r2: host shop.example.com path / is already routed by production-shop/r');
  });
});
