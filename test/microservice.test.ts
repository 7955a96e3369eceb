import { Microservice } from '../lib/workload/microservice';
import { SecretReference } from '../lib/config/secret-reference';
import { AppConfig } from '../lib/config/app-config';
import { connect } from '../lib/network/network-policy';
import { App } from 'cdk8s';
import { SystemChart } from '../lib/chart';
import { EdgeRoute } from '../lib/edge/edge-route';
import { Environment } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { WebIngress } from '../lib/ingress/web-ingress';
import { find, kinds, objects, testChart, webProps } from './util';

describe('Microservice', () => {
  test.each([
    ['gateway-api', ['HTTPRoute/web']],
    ['ingress-nginx', ['ConfigMap/security-headers', 'Ingress/web']],
    ['both', ['ConfigMap/security-headers', 'HTTPRoute/web', 'Ingress/web']],
  ] as const)('renders the seven resources with readable names, all in the namespace (edge %s)', (edge, routes) => {
    const chart = testChart('production', 'shop', { edge });
    new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'web.example.com' }] }));
    const all = objects(chart);
    expect(kinds(all)).toEqual([
      'Deployment/web', 'HorizontalPodAutoscaler/web', 'Namespace/shop',
      'NetworkPolicy/web', 'PodDisruptionBudget/web', 'Service/web', 'ServiceMonitor/web', ...routes,
    ].sort());
    for (const o of all.filter(x => x.kind !== 'Namespace')) {
      expect(o.metadata.namespace).toBe('shop');
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'cdk8s',
      });
      expect(o.metadata.labels['app.kubernetes.io/name']).toBeDefined();
      expect(o.metadata.labels['app.kubernetes.io/instance']).toBeDefined();
      expect(o.metadata.labels['app.kubernetes.io/component']).toBeDefined();
    }
  });

  test('Deployment: pinned image, resources, probes and restricted security; no replicas when autoscaled', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({
      env: { LOG_LEVEL: 'info' },
      secretEnv: { API_TOKEN: SecretReference.fromName('web-secrets').key('token') },
      envFrom: [new AppConfig(chart, 'cfg', { name: 'web-config', data: { MODE: 'fast' } })],
    }));
    const d = find(objects(chart), 'Deployment', 'web');
    expect(d.spec.replicas).toBeUndefined();
    expect(d.metadata.labels['app.kubernetes.io/version']).toBe('1.2.3');
    expect(d.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('1.2.3');
    const pod = d.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(10000);
    expect(pod.securityContext.runAsGroup).toBeGreaterThan(10000);
    expect(pod.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' });
    const c = pod.containers[0];
    expect(c.image).toBe('ghcr.io/acme/web:1.2.3');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.requests).toEqual({ 'cpu': '250m', 'memory': '256Mi', 'ephemeral-storage': '128Mi' });
    expect(c.resources.limits).toEqual({ 'cpu': '1', 'memory': '512Mi', 'ephemeral-storage': '1Gi' });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/live', port: 'http' });
    expect(c.volumeMounts).toEqual([{ name: 'writable-0', mountPath: '/tmp' }]);
    expect(pod.volumes[0].emptyDir).toBeDefined();
    expect(c.env).toEqual([
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'token' } } },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'web-config' } }]);
  });

  test('fixed replicas render spec.replicas and no HPA', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ autoscaling: undefined, replicas: 3 }));
    const all = objects(chart);
    expect(find(all, 'Deployment', 'web').spec.replicas).toBe(3);
    expect(all.some(o => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  test('Service: ClusterIP, named ports to named target ports, optional ClientIP affinity', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 }));
    const s = find(objects(chart), 'Service', 'web');
    expect(s.spec.type).toBe('ClusterIP');
    expect(s.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(s.spec.sessionAffinity).toBe('ClientIP');
    expect(s.spec.sessionAffinityConfig.clientIP.timeoutSeconds).toBe(600);
    expect(s.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
  });

  test('HPA: bounds, resource and pods metrics, behaviour policies', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({
      autoscaling: {
        minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80,
        podsMetrics: [{ metric: 'http_requests_per_second', averageValue: 1000 }],
        scaleUp: { percent: 100, pods: 4, periodSeconds: 30 },
        scaleDown: { percent: 50, stabilizationWindowSeconds: 300 },
      },
    }));
    const h = find(objects(chart), 'HorizontalPodAutoscaler', 'web');
    expect(h.apiVersion).toBe('autoscaling/v2');
    expect(h.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect(h.spec.minReplicas).toBe(3);
    expect(h.spec.maxReplicas).toBe(10);
    expect(h.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: 1000 } } },
    ]);
    expect(h.spec.behavior.scaleUp).toEqual({
      policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }, { type: 'Pods', value: 4, periodSeconds: 30 }],
      selectPolicy: 'Max',
    });
    expect(h.spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
      selectPolicy: 'Max',
    });
  });

  test('PDB: minAvailable or maxUnavailable over the workload selector; in dev only maxUnavailable 1, when autoscaled', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ disruptionBudget: { minAvailable: 1 } }));
    const p = find(objects(chart), 'PodDisruptionBudget', 'web');
    expect(p.spec.minAvailable).toBe(1);
    expect(p.spec.selector.matchLabels).toEqual(find(objects(chart), 'Deployment', 'web').spec.selector.matchLabels);

    const dev = testChart('dev');
    new Microservice(dev, 'web', webProps({ autoscaling: { minReplicas: 1, maxReplicas: 2, cpuUtilization: 70 }, disruptionBudget: { minAvailable: 1 } }));
    expect(find(objects(dev), 'PodDisruptionBudget', 'web').spec).toEqual(expect.objectContaining({ maxUnavailable: 1 }));
    const single = testChart('dev');
    new Microservice(single, 'web', webProps({ autoscaling: undefined, replicas: 1 }));
    expect(objects(single).some(o => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  test('kube-score exceptions are kube-score/ignore annotations with a reason, only where the choice is made', () => {
    const dev = testChart('dev');
    new Microservice(dev, 'web', webProps({ autoscaling: { minReplicas: 1, maxReplicas: 3, cpuUtilization: 70 } }));
    const deployment = find(objects(dev), 'Deployment', 'web').metadata.annotations;
    expect(deployment['kube-score/ignore']).toBe('deployment-has-host-podantiaffinity');
    expect(deployment['kube-score.fleet.dev/deployment-has-host-podantiaffinity']).toMatch(/topology spread constraint on kubernetes.io\/hostname/);
    const hpa = find(objects(dev), 'HorizontalPodAutoscaler', 'web').metadata.annotations;
    expect(hpa['kube-score/ignore']).toBe('horizontalpodautoscaler-replicas');
    expect(hpa['kube-score.fleet.dev/horizontalpodautoscaler-replicas']).toMatch(/dev scales down to one replica by design/);

    const single = testChart('dev');
    new Microservice(single, 'web', webProps({ autoscaling: undefined, replicas: 1 }));
    expect(find(objects(single), 'Deployment', 'web').metadata.annotations).toMatchObject({
      'kube-score/ignore': 'deployment-replicas',
      'kube-score.fleet.dev/deployment-replicas': expect.stringMatching(/dev runs single replicas by design/),
    });

    const production = testChart('production');
    new Microservice(production, 'web', webProps());
    expect(find(objects(production), 'HorizontalPodAutoscaler', 'web').metadata.annotations?.['kube-score/ignore']).toBeUndefined();
    expect(find(objects(production), 'Deployment', 'web').metadata.annotations['kube-score/ignore']).toBe('deployment-has-host-podantiaffinity');
  });

  test('NetworkPolicy: default deny both ways, DNS, ingress controller, monitoring, typed peers, CIDRs', () => {
    const chart = testChart('production', 'shop', { edge: 'ingress-nginx' });
    const web = new Microservice(chart, 'web', webProps({
      ingresses: [{ host: 'web.example.com' }],
      externalEgress: [{ cidr: '10.1.0.0/24', ports: [{ port: 5432 }], description: 'db' }],
    }));
    const api = new Microservice(chart, 'api', webProps());
    connect(web, api, ['http']);
    const all = objects(chart);
    const webPolicy = find(all, 'NetworkPolicy', 'web').spec;
    expect(webPolicy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(webPolicy.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop' });
    const nsPeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
    expect(webPolicy.ingress).toContainEqual({ from: [nsPeer('ingress-nginx')], ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(webPolicy.ingress).toContainEqual({ from: [nsPeer('monitoring')], ports: [{ port: 9090, protocol: 'TCP' }] });
    expect(webPolicy.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.1.0.0/24' } }], ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(webPolicy.egress).toContainEqual({
      to: [{ ...nsPeer('shop'), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'shop' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    expect(webPolicy.egress.some((r: any) => r.ports.some((p: any) => p.port === 53 && p.protocol === 'UDP'))).toBe(true);
    const apiPolicy = find(all, 'NetworkPolicy', 'api').spec;
    expect(apiPolicy.ingress).toContainEqual({
      from: [{ ...nsPeer('shop'), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    // api has no Ingress, so the ingress controller is not admitted.
    expect(JSON.stringify(apiPolicy.ingress)).not.toContain('ingress-nginx');
  });

  test('NetworkPolicy on the Gateway API: the Gateway\'s proxies (namespace and labels from settings), only where a route exists', () => {
    const dataPlane = { namespace: 'gw-system', podLabels: { 'app.kubernetes.io/name': 'proxy', 'gateway': 'edge' } };
    const chart = testChart('production', 'shop', { gateway: { ...ENVIRONMENTS.production.gateway, dataPlane } });
    new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'web.example.com' }, { name: 'web-admin', host: 'admin.example.com' }] }));
    new Microservice(chart, 'api', webProps());
    const all = objects(chart);
    const proxies = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gw-system' } }, podSelector: { matchLabels: dataPlane.podLabels } };
    const web = find(all, 'NetworkPolicy', 'web').spec.ingress;
    expect(web.filter((r: any) => JSON.stringify(r.from).includes('gw-system'))).toEqual([{ from: [proxies], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(JSON.stringify(web)).not.toContain('ingress-nginx');
    expect(JSON.stringify(find(all, 'NetworkPolicy', 'api').spec.ingress)).not.toContain('gw-system');
    // With both edges (a cut-over), both are admitted.
    const both = testChart('production', 'shop', { edge: 'both' });
    new Microservice(both, 'web', webProps({ ingresses: [{ host: 'web.example.com' }] }));
    const policy = JSON.stringify(find(objects(both), 'NetworkPolicy', 'web').spec.ingress);
    expect([policy.includes('"ingress-nginx"'), policy.includes('"envoy-gateway-system"')]).toEqual([true, true]);
  });

  test('HTTPRoute: the Gateway\'s host listener, security headers, rate limit per client IP (Envoy), WebSocket timeouts', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({
      ingresses: [{ host: 'web.example.com', paths: ['/', '/ws'], rateLimit: { requestsPerMinute: 100, connectionsPerIp: 20, burstMultiplier: 3 }, websocketTimeoutSeconds: 3600, maxBodySize: '10m' }],
    }));
    const all = objects(chart);
    const r = find(all, 'HTTPRoute', 'web');
    expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'edge', name: 'edge', sectionName: 'web.example.com' }]);
    expect(r.spec.hostnames).toEqual(['web.example.com']);
    expect(r.spec.rules.map((x: any) => [x.matches[0].path, x.backendRefs, x.timeouts])).toEqual([
      [{ type: 'PathPrefix', value: '/' }, [{ name: 'web', port: 80 }], { request: '0s' }],
      [{ type: 'PathPrefix', value: '/ws' }, [{ name: 'web', port: 80 }], { request: '0s' }],
    ]);
    const headers = Object.fromEntries(r.spec.rules[0].filters[0].responseHeaderModifier.set.map((h: any) => [h.name, h.value]));
    expect(headers).toMatchObject({
      'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
      'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff', 'X-XSS-Protection': '1; mode=block', 'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
    expect(r.metadata.annotations['fleet.dev/not-enforced'].split('; ')).toEqual([
      'connectionsPerIp 20: Envoy Gateway limits connections per listener (ClientTrafficPolicy), not per client IP',
      'burstMultiplier 3: an Envoy token bucket holds one period\'s requests, no more',
      'maxBodySize 10m: Envoy streams request bodies to the backend without a size limit',
    ]);
    const p = find(all, 'BackendTrafficPolicy', 'web');
    expect(p.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(p.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }],
      rateLimit: { local: { rules: [
        { clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }], limit: { requests: 100, unit: 'Minute' } },
        { clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '::/0' } }], limit: { requests: 100, unit: 'Minute' } },
      ] } },
      timeout: { http: { streamIdleTimeout: '3600s' } },
    });
    // No ConfigMap of headers: only ingress-nginx reads one.
    expect(all.filter(o => o.kind === 'ConfigMap')).toEqual([]);
  });

  test('HTTPRoute: a route with two hosts renders one HTTPRoute per host (an HTTPRoute\'s rules apply to all its hostnames); no policy without a limit or timeout', () => {
    const chart = testChart();
    const web = new Microservice(chart, 'web', webProps());
    const api = new Microservice(chart, 'api', webProps());
    new EdgeRoute(chart, 'ingress', { name: 'shop', routes: [{ host: 'api.example.com', backend: api }, { host: 'example.com', backend: web }] });
    const all = objects(chart);
    expect(find(all, 'HTTPRoute', 'shop-api-example-com').spec.rules[0].backendRefs).toEqual([{ name: 'api', port: 80 }]);
    expect(find(all, 'HTTPRoute', 'shop-example-com').spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80 }]);
    expect(all.filter(o => o.kind === 'BackendTrafficPolicy')).toEqual([]);
  });

  test('HTTPRoute: a backend of another system gets a ReferenceGrant in its namespace', () => {
    const app = new App({ outdir: '/dev/null' });
    const env = new Environment(ENVIRONMENTS.production);
    const shop = new SystemChart(app, { environment: env, system: 'shop' });
    const billing = new SystemChart(app, { environment: env, system: 'billing' });
    const invoices = new Microservice(billing, 'invoices', webProps());
    new EdgeRoute(shop, 'ingress', { name: 'invoices', routes: [{ host: 'shop.example.com', path: '/invoices', backend: invoices }] });
    expect(find(shop.toJson(), 'HTTPRoute', 'invoices').spec.rules[0].backendRefs).toEqual([{ name: 'invoices', namespace: 'billing', port: 80 }]);
    const grant = find(billing.toJson(), 'ReferenceGrant', 'httproute-shop-invoices');
    expect(grant.metadata.namespace).toBe('billing');
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }],
      to: [{ group: '', kind: 'Service', name: 'invoices' }],
    });
    expect(JSON.stringify(find(billing.toJson(), 'NetworkPolicy', 'invoices').spec.ingress)).toContain('envoy-gateway-system');
    // An Ingress cannot reach another namespace: refused where ingress-nginx serves.
    const nginxApp = new App({ outdir: '/dev/null' });
    const nginxEnv = new Environment({ ...ENVIRONMENTS.production, edge: 'ingress-nginx' });
    const other = new Microservice(new SystemChart(nginxApp, { environment: nginxEnv, system: 'billing' }), 'invoices', webProps());
    expect(() => new EdgeRoute(new SystemChart(nginxApp, { environment: nginxEnv, system: 'shop' }), 'ingress', { name: 'invoices', routes: [{ host: 'shop.example.com', backend: other }] }))
      .toThrow(/goes to Service billing\/invoices, in another namespace, which an Ingress cannot reach/);
  });

  test('HTTPRoute: refused where the Gateway could not serve it', () => {
    const chart = testChart();
    const web = new Microservice(chart, 'web', webProps());
    expect(() => new EdgeRoute(chart, 'a', { name: 'a', routes: [{ host: '*.example.com', backend: web }] }))
      .toThrow(/wildcard host \*\.example\.com.*issues no wildcard certificate/);
    expect(() => new EdgeRoute(chart, 'b', { name: 'b', routes: [{ host: 'b.example.com', backend: web }], clusterIssuer: 'letsencrypt-staging', responseHeaders: false }))
      .toThrow(/asks for ClusterIssuer letsencrypt-staging, but the Gateway's certificates all come from production's, letsencrypt-prod/);
    expect(() => new WebIngress(chart, 'c', { name: 'c', routes: [{ host: 'c.example.com', backend: web }] }))
      .toThrow(/Ingress c is for ingress-nginx, but production's edge is gateway-api.*Fix: render the route with EdgeRoute/);
  });

  test('Ingress: TLS via cert-manager, redirects, rate limits, headers, WebSocket timeouts', () => {
    const chart = testChart('production', 'shop', { edge: 'ingress-nginx' });
    new Microservice(chart, 'web', webProps({
      ingresses: [{ host: 'web.example.com', rateLimit: { requestsPerMinute: 100, connectionsPerIp: 20 }, websocketTimeoutSeconds: 3600 }],
    }));
    const all = objects(chart);
    const i = find(all, 'Ingress', 'web');
    expect(i.spec.ingressClassName).toBe('nginx');
    expect(i.spec.tls).toEqual([{ hosts: ['web.example.com'], secretName: 'web-tls' }]);
    expect(i.metadata.annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/limit-rpm': '100',
      'nginx.ingress.kubernetes.io/limit-connections': '20',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
      'nginx.ingress.kubernetes.io/custom-headers': 'shop/security-headers',
    });
    expect(i.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'web', port: { number: 80 } });
    expect(find(all, 'ConfigMap', 'security-headers').data).toMatchObject({
      'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
  });

  test('staging hosts get the environment label', () => {
    const chart = testChart('staging');
    new Microservice(chart, 'web', webProps({ ingresses: [{ host: 'api.example.com' }] }));
    expect(find(objects(chart), 'HTTPRoute', 'web').spec.hostnames).toEqual(['api.staging.example.com']);
  });

  test('ServiceMonitor: metrics port, path, interval, timeout, Prometheus selector label', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps({ metrics: { path: '/prom', interval: '5s' } }));
    const m = find(objects(chart), 'ServiceMonitor', 'web');
    expect(m.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(m.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(m.spec.endpoints).toEqual([{ port: 'metrics', path: '/prom', interval: '5s', scrapeTimeout: '5s', scheme: 'http' }]);
    expect(m.spec.namespaceSelector).toEqual({ matchNames: ['shop'] });
  });
});
