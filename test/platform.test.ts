import { App } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { parse } from 'yaml';
import { AlertmanagerConfig, Probe, PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor } from '../imports/monitoring.coreos.com';
import { podsMetricSource } from '../lib/autoscaling/autoscaler';
import { SystemChart } from '../lib/chart';
import { Environment, ENVIRONMENT_NAMES, EnvironmentName, EnvironmentSettings } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { buildFleet } from '../lib/fleet';
import { HEALTH_CHECKS } from '../lib/gitops/health-checks';
import { SYNC_WAVE_ANNOTATION } from '../lib/gitops/sync-waves';
import { CLUSTER_ISSUERS } from '../lib/ingress/cluster-issuers';
import { ResponseHeaders } from '../lib/ingress/response-headers';
import { EdgeRoute } from '../lib/edge/edge-route';
import { IMPLEMENTATIONS } from '../lib/gateway/implementations';
import { AddonApplication } from '../lib/platform/addon-application';
import { EXACT_VERSION, floatingParts, PINS, PlatformPin } from '../lib/platform/pins';
import { FleetPlatform, PlatformWave } from '../lib/platform/platform';
import { PlatformChart } from '../lib/platform/platform-chart';
import { PLATFORM, PlatformSettings } from '../lib/platform/settings';
import { isManifestPath } from '../lib/render/manifest-path';
import { renderApp } from '../lib/render/manifest-writer';
import { AlertRouting } from '../lib/monitoring/alert-routing';
import { Microservice } from '../lib/workload/microservice';
import { webProps } from './util';

const files = renderApp(buildFleet());
const objectsIn = (dir: string) => files.filter(f => f.object && f.path.startsWith(`${dir}/`)).map(f => f.object);
/** Every object the environment's systems render (not its platform or Argo CD folders). */
const systemObjects = (env: string) => files
  .filter(f => f.object && f.path.startsWith(`${env}/`) && !/^[^/]+\/(argocd|platform|platform-config)\//.test(f.path))
  .map(f => f.object);
const app = (env: string, name: string) => {
  const o = objectsIn(`${env}/platform`).find(x => x.kind === 'Application' && x.metadata.name === name);
  if (!o) { throw new Error(`no Application ${name} in ${env}/platform`); }
  return o;
};
const values = (env: string, name: string) => app(env, name).spec.source.helm.valuesObject;
const wave = (o: any) => Number(o.metadata.annotations[SYNC_WAVE_ANNOTATION]);

/** A small environment: one system built by `build`, and its platform layer. */
function platformOf(build: (chart: SystemChart) => void, options: { env?: EnvironmentName; settings?: Partial<EnvironmentSettings>; platform?: PlatformSettings } = {}) {
  const a = new App({ outdir: '/dev/null' });
  const env = new Environment({ ...ENVIRONMENTS[options.env ?? 'production'], ...options.settings });
  const chart = new SystemChart(a, { environment: env, system: 'shop' });
  build(chart);
  const config = new PlatformChart(a, env, 'platform-config');
  const platform = new FleetPlatform(new PlatformChart(a, env, 'platform'), 'platform', { systems: [chart], config, settings: options.platform });
  const valuesOf = (name: keyof typeof PINS) => platform.addons[name]!.application.toJson().spec.source.helm.valuesObject;
  return { platform, valuesOf, config };
}

/** The environments whose edge installs an add-on: ingress-nginx and Envoy Gateway only where the edge uses them. */
const installedIn = (name: string) => ENVIRONMENT_NAMES.filter(env => (name !== 'ingress-nginx' || ENVIRONMENTS[env].edge !== 'gateway-api')
  && (name !== 'envoy-gateway' || ENVIRONMENTS[env].edge !== 'ingress-nginx'));

describe('pins', () => {
  test.each(Object.entries(PINS))('%s is pinned to an exact release, and its Applications install exactly that', (name, pin) => {
    expect(floatingParts(pin)).toEqual([]);
    expect(installedIn(name).length).toBeGreaterThan(0);
    for (const env of installedIn(name)) {
      const source = app(env, name).spec.source;
      expect(source.repoURL).toBe(pin.repoURL);
      expect(source.targetRevision).toBe(pin.version);
      expect(source.targetRevision).toMatch(EXACT_VERSION);
      if (pin.source === 'helm') {
        expect(source.chart).toBe(pin.chart);
      } else if (pin.source === 'helm-oci') {
        // Argo CD's OCI source: the artifact is the chart, at its root.
        expect([source.path, source.chart]).toEqual(['.', undefined]);
        expect(source.repoURL).toMatch(/^oci:\/\//);
      } else {
        expect(source.kustomize.images).toEqual(pin.images);
      }
    }
  });

  test('the edge decides which edge add-on is installed: Envoy Gateway (with the Gateway API CRDs) or ingress-nginx, both during a cut-over', () => {
    const names = (edge: 'gateway-api' | 'ingress-nginx' | 'both') => Object.keys(platformOf(() => undefined, { settings: { edge } }).platform.addons)
      .filter(n => n === 'ingress-nginx' || n === 'envoy-gateway').sort();
    expect(names('gateway-api')).toEqual(['envoy-gateway']);
    expect(names('ingress-nginx')).toEqual(['ingress-nginx']);
    expect(names('both')).toEqual(['envoy-gateway', 'ingress-nginx']);
    expect(PINS['envoy-gateway']).toEqual({ source: 'helm-oci', repoURL: 'oci://registry-1.docker.io/envoyproxy/gateway-helm', version: 'v1.9.0', appVersion: 'v1.9.0' });
    expect(() => new AddonApplication(platformOf(() => undefined).platform, 'x', {
      name: 'x', pin: { ...PINS['envoy-gateway'], repoURL: 'docker.io/envoyproxy/gateway-helm' } as PlatformPin, namespace: 'x', wave: 1, project: 'platform-addons',
    })).toThrow('x\'s chart repository "docker.io/envoyproxy/gateway-helm" is not an OCI repository');
  });

  test.each(['staging', 'production'])('%s: cert-manager runs its Gateway API support; Envoy Gateway runs two of its controller and of each Gateway\'s proxies', env => {
    expect(values(env, 'cert-manager').config).toEqual({ enableGatewayAPI: true });
    expect(values(env, 'envoy-gateway')).toMatchObject({
      deployment: { replicas: 2 },
      config: { envoyGateway: { envoyProxy: { provider: { type: 'Kubernetes', kubernetes: { envoyDeployment: { replicas: 2 }, envoyPDB: { minAvailable: 1 } } } } } },
    });
    expect(app(env, 'envoy-gateway').spec.destination.namespace).toBe(ENVIRONMENTS[env as EnvironmentName].gateway.dataPlane.namespace);
  });

  test('dev (ingress-nginx) leaves cert-manager\'s Gateway API support off: it would not start without the Gateway API CRDs', () => {
    expect(values('dev', 'cert-manager').config).toBeUndefined();
  });

  test('the operators run the versions of the CRDs the gate checks custom resources against', () => {
    expect(PINS['cert-manager'].appVersion).toBe('v1.21.1');
    expect(PINS['external-secrets'].appVersion).toBe('v2.9.0');
    expect(PINS['cloudnative-pg'].appVersion).toBe('1.30.0');
    expect(PINS['plugin-barman-cloud'].appVersion).toBe('v0.14.0');
    expect(PINS['rabbitmq-cluster-operator'].appVersion).toBe('2.22.3');
    expect(PINS['redis-operator'].appVersion).toBe('0.26.0');
    expect(PINS['kube-prometheus-stack'].appVersion).toBe('v0.93.0');
    // The blackbox exporter has no CRD; its modules' fields are v0.28's (lib/monitoring/blackbox.ts).
    expect(PINS['prometheus-blackbox-exporter'].appVersion).toBe('v0.28.0');
    // The barman-cloud plugin's images are set to its version, whatever the chart defaults to.
    expect(values('production', 'plugin-barman-cloud')).toEqual({ image: { tag: 'v0.14.0' }, sidecarImage: { tag: 'v0.14.0' } });
  });

  test.each([
    ['a range', { version: '^1.2.0' }, 'version "^1.2.0" is not an exact release'],
    ['a wildcard', { version: '1.2.*' }, 'version "1.2.*" is not an exact release'],
    ['latest', { version: 'latest' }, 'version "latest" is not an exact release'],
    ['a branch for a kustomization', { source: 'kustomize', path: 'config', images: ['a=b:1.0.0'], version: 'main' }, 'version "main" is not an exact release'],
    ['a floating image', { source: 'kustomize', path: 'config', images: ['a=ghcr.io/x/op:latest'], version: 'v1.0.0' }, 'image "a=ghcr.io/x/op:latest" has no exact release tag'],
  ])('a floating pin is refused: %s', (_what, change, problem) => {
    const pin = { ...PINS['redis-operator'], ...change } as PlatformPin;
    expect(floatingParts(pin)).toEqual([problem]);
    const { platform } = platformOf(() => undefined);
    expect(() => new AddonApplication(platform, 'x', { name: 'x', pin, namespace: 'x', wave: 1, project: 'platform-addons' })).toThrow(`x is not pinned: ${problem}. Fix: pin an exact release in lib/platform/pins.ts`);
  });
});

describe('values derived from what the fleet renders', () => {
  describe('prometheus-adapter serves exactly the HPAs\' custom Pods metrics', () => {
    test.each(ENVIRONMENT_NAMES)('%s: one rule per Pods metric of every HPA of every system, from the series the apps expose', env => {
      const asked = new Set(systemObjects(env).filter(o => o.kind === 'HorizontalPodAutoscaler')
        .flatMap(o => o.spec.metrics).filter((m: any) => m.type === 'Pods').map((m: any) => m.pods.metric.name));
      expect(asked).toEqual(new Set(['http_requests_per_second', 'websocket_active_connections', 'graph_operations_per_second']));
      const rules = values(env, 'prometheus-adapter').rules;
      expect(rules.default).toBe(false);
      expect(new Set(rules.custom.map((r: any) => r.name.as))).toEqual(asked);
      const rule = (metric: string) => rules.custom.find((r: any) => r.name.as === metric);
      // Counters the apps expose become their per-second rate; gauges stay as they are.
      expect(rule('http_requests_per_second')).toMatchObject({
        seriesQuery: 'http_requests_total{namespace!="",pod!=""}', name: { matches: '^http_requests_total$' },
        metricsQuery: 'sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))',
      });
      expect(rule('graph_operations_per_second').seriesQuery).toBe('graph_operations_total{namespace!="",pod!=""}');
      expect(rule('websocket_active_connections')).toMatchObject({
        seriesQuery: 'websocket_active_connections{namespace!="",pod!=""}',
        metricsQuery: 'sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})',
      });
      expect(values(env, 'prometheus-adapter').prometheus).toEqual({ url: 'http://kube-prometheus-stack-prometheus.monitoring.svc', port: 9090 });
    });

    test('a new HPA metric gets its rule; a counter\'s rate window follows the slowest scrape', () => {
      const { valuesOf } = platformOf(chart => {
        new Microservice(chart, 'web', webProps({
          autoscaling: { minReplicas: 2, maxReplicas: 6, podsMetrics: [{ metric: 'jobs_per_second', averageValue: 5 }, { metric: 'queue_depth', averageValue: 10 }] },
          metrics: { port: 'metrics', interval: '1m' },
        }));
      });
      expect(valuesOf('prometheus-adapter').rules.custom).toEqual([
        {
          seriesQuery: 'jobs_total{namespace!="",pod!=""}',
          resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
          name: { matches: '^jobs_total$', as: 'jobs_per_second' },
          metricsQuery: 'sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[4m]))',
        },
        {
          seriesQuery: 'queue_depth{namespace!="",pod!=""}',
          resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
          name: { matches: '^queue_depth$', as: 'queue_depth' },
          metricsQuery: 'sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})',
        },
      ]);
    });

    test('the naming rule: <name>_per_second is the rate of <name>_total; a counter itself is no target', () => {
      expect(podsMetricSource('http_requests_per_second')).toEqual({ series: 'http_requests_total', type: 'counter' });
      expect(podsMetricSource('websocket_active_connections')).toEqual({ series: 'websocket_active_connections', type: 'gauge' });
      expect(() => platformOf(chart => new Microservice(chart, 'web', webProps({
        autoscaling: { minReplicas: 2, maxReplicas: 6, podsMetrics: [{ metric: 'http_requests_total', averageValue: 5 }] },
      })))).toThrow('autoscaling metric "http_requests_total" is a counter. Fix: target its rate instead: "http_requests_per_second"');
    });
  });

  describe('ingress-nginx allows exactly the headers the Ingresses\' custom-headers set', () => {
    test.each(installedIn('ingress-nginx'))('%s: global-allowed-response-headers lists every key of every referenced ConfigMap', env => {
      const objects = systemObjects(env);
      const referenced = objects.filter(o => o.kind === 'Ingress').map(o => o.metadata.annotations['nginx.ingress.kubernetes.io/custom-headers']).filter(Boolean);
      expect(referenced.length).toBeGreaterThan(0);
      const keys = new Set(referenced.flatMap((ref: string) => {
        const [namespace, name] = ref.split('/');
        return Object.keys(objects.find(o => o.kind === 'ConfigMap' && o.metadata.namespace === namespace && o.metadata.name === name).data);
      }));
      const controller = values(env, 'ingress-nginx').controller;
      expect(controller.config['global-allowed-response-headers'].split(',')).toEqual([...keys].sort());
      expect(controller.ingressClassResource.name).toBe(ENVIRONMENTS[env].ingressClassName);
      expect(app(env, 'ingress-nginx').spec.destination.namespace).toBe(ENVIRONMENTS[env].ingressControllerNamespace);
    });

    test('a header a system adds is allowed; a ConfigMap that is not rendered is refused', () => {
      const withHeader = (configMapName: string) => platformOf(chart => {
        new k8s.KubeConfigMap(chart, 'headers', { metadata: { name: 'extra-headers', namespace: 'shop' }, data: { 'Permissions-Policy': 'camera=()', 'X-Frame-Options': 'DENY' } });
        new k8s.KubeIngress(chart, 'ingress', {
          metadata: { name: 'web', namespace: 'shop', annotations: { 'nginx.ingress.kubernetes.io/custom-headers': `shop/${configMapName}` } },
          spec: { rules: [] },
        });
      }, { settings: { edge: 'ingress-nginx' } });
      expect(withHeader('extra-headers').valuesOf('ingress-nginx').controller.config['global-allowed-response-headers'])
        .toBe('Permissions-Policy,X-Frame-Options');
      expect(() => withHeader('missing')).toThrow('production-platform/platform: Ingress shop/web takes its response headers from ConfigMap shop/missing, which is not rendered');
    });
  });

  describe('the monitoring stack selects what the monitors and rules carry, where they are', () => {
    test.each(ENVIRONMENT_NAMES)('%s: selectors from the labels, namespace selectors from the namespaces', env => {
      const selected = systemObjects(env).filter(o => ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe'].includes(o.kind));
      expect(selected.length).toBeGreaterThan(0);
      const selector = ENVIRONMENTS[env].prometheusSelector;
      for (const o of selected) { expect(o.metadata.labels).toMatchObject(selector); }
      const spec = values(env, 'kube-prometheus-stack').prometheus.prometheusSpec;
      const nginx = ENVIRONMENTS[env].edge !== 'gateway-api';
      const gateway = ENVIRONMENTS[env].edge !== 'ingress-nginx';
      const namespaces = [...new Set([
        ...selected.map(o => o.metadata.namespace), ENVIRONMENTS[env].monitoringNamespace,
        ...(nginx ? [ENVIRONMENTS[env].ingressControllerNamespace] : []),
        // The Gateway's proxies, scraped by the PodMonitor of platform-config.
        ...(gateway ? [ENVIRONMENTS[env].gateway.dataPlane.namespace] : []),
      ])].sort();
      for (const kind of ['serviceMonitor', 'podMonitor', 'rule', 'probe']) {
        expect(spec[`${kind}Selector`]).toEqual({ matchLabels: selector });
        expect(spec[`${kind}SelectorNilUsesHelmValues`]).toBe(false);
        expect(spec[`${kind}NamespaceSelector`]).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] });
      }
      // The stack's own monitors carry its release label: the release is the selector's.
      expect(app(env, 'kube-prometheus-stack').spec.source.helm.releaseName).toBe(selector.release);
      if (nginx) { expect(values(env, 'ingress-nginx').controller.metrics.serviceMonitor.additionalLabels).toEqual(selector); }
    });

    test.each(ENVIRONMENT_NAMES.filter(e => ENVIRONMENTS[e].edge !== 'ingress-nginx'))('%s: the Gateway\'s proxies are scraped where they run, by the labels Envoy Gateway gives them', env => {
      const { gateway } = ENVIRONMENTS[env];
      const monitor = objectsIn(`${env}/platform-config`).find(o => o.kind === 'PodMonitor' && o.metadata.name === `${gateway.name}-proxies`);
      expect(monitor.metadata).toMatchObject({ namespace: gateway.dataPlane.namespace, labels: ENVIRONMENTS[env].prometheusSelector });
      expect(monitor.spec).toEqual({
        selector: { matchLabels: gateway.dataPlane.podLabels },
        namespaceSelector: { matchNames: [gateway.dataPlane.namespace] },
        podMetricsEndpoints: [{ port: 'metrics', path: '/stats/prometheus', interval: '30s', scheme: 'http' }],
      });
      // The settings' labels are among those the implementation puts on the proxies of this Gateway.
      expect(IMPLEMENTATIONS[gateway.implementation].proxyPods(gateway.namespace, gateway.name).labels).toMatchObject(gateway.dataPlane.podLabels);
    });

    test('a monitor without the selector label is refused; a new namespace is selected', () => {
      expect(() => platformOf(chart => new ServiceMonitor(chart, 'sm', {
        metadata: { name: 'stray', namespace: 'shop', labels: { team: 'x' } }, spec: { selector: {}, endpoints: [] },
      }))).toThrow('ServiceMonitor shop/stray lacks release=kube-prometheus-stack, so Prometheus would never select it');
      const { valuesOf } = platformOf(chart => new Microservice(chart, 'web', webProps()));
      expect(valuesOf('kube-prometheus-stack').prometheus.prometheusSpec.serviceMonitorNamespaceSelector.matchExpressions[0].values)
        .toEqual(['envoy-gateway-system', 'monitoring', 'shop']);
      // Where ingress-nginx runs, its own ServiceMonitor's namespace is selected too.
      const nginx = platformOf(chart => new Microservice(chart, 'web', webProps()), { settings: { edge: 'ingress-nginx' } });
      expect(nginx.valuesOf('kube-prometheus-stack').prometheus.prometheusSpec.serviceMonitorNamespaceSelector.matchExpressions[0].values)
        .toEqual(['ingress-nginx', 'monitoring', 'shop']);
    });
  });

  test.each(ENVIRONMENT_NAMES)('%s: the ClusterIssuers are those the Ingresses and the Gateway name, signed by trusted ACME, answering HTTP-01 where DNS points', env => {
    const named = new Set([...systemObjects(env), ...objectsIn(`${env}/platform-config`)].filter(o => o.kind === 'Ingress' || o.kind === 'Gateway')
      .map(o => o.metadata.annotations['cert-manager.io/cluster-issuer']).filter(Boolean));
    const issuers = objectsIn(`${env}/platform-config`).filter(o => o.kind === 'ClusterIssuer');
    expect(new Set(issuers.map(i => i.metadata.name))).toEqual(new Set([...named, ENVIRONMENTS[env].clusterIssuer]));
    for (const i of issuers) {
      expect(i.spec.acme.server).toBe(CLUSTER_ISSUERS[i.metadata.name].acmeServer);
      expect(i.spec.acme.solvers).toEqual([{
        http01: ENVIRONMENTS[env].edge === 'gateway-api'
          ? { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'edge', sectionName: 'http' }], serviceType: 'ClusterIP' } }
          : { ingress: { ingressClassName: ENVIRONMENTS[env].ingressClassName } },
      }]);
    }
  });

  test('during a cut-over (edge "both") ingress-nginx, where DNS still points, answers the challenges, the Gateway\'s too', () => {
    const { config } = platformOf(() => undefined, { settings: { edge: 'both' } });
    expect(config.toJson().find(o => o.kind === 'ClusterIssuer').spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'nginx' } } }]);
    expect(config.toJson().some(o => o.kind === 'Gateway')).toBe(true);
  });
});

describe('alerting: Alertmanager routes every system\'s alerts, the blackbox exporter runs their probes', () => {
  test.each(ENVIRONMENT_NAMES)('%s: Alertmanager selects every AlertmanagerConfig by its labels and namespaces, each matching its own namespace', env => {
    const configs = systemObjects(env).filter(o => o.kind === 'AlertmanagerConfig');
    expect(configs.map(c => c.metadata.namespace).sort()).toEqual(['ariaforge', 'domain-runner', 'novacron', 'songnodes']);
    const spec = values(env, 'kube-prometheus-stack').alertmanager.alertmanagerSpec;
    expect(spec.alertmanagerConfigSelector).toEqual({ matchLabels: ENVIRONMENTS[env].prometheusSelector });
    expect(spec.alertmanagerConfigNamespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: configs.map(c => c.metadata.namespace).sort() }] });
    expect(spec.alertmanagerConfigMatcherStrategy).toEqual({ type: 'OnNamespace' });
    // The rules' evaluation interval the response-time bounds count on is the one Prometheus runs.
    expect(values(env, 'kube-prometheus-stack').prometheus.prometheusSpec.evaluationInterval).toBe('30s');
  });

  test.each(ENVIRONMENT_NAMES)('%s: the blackbox exporter has exactly the modules the Probes use, admits only Prometheus, and is scraped', env => {
    const used = [...new Set(systemObjects(env).filter(o => o.kind === 'Probe').map(o => o.spec.module))].sort();
    expect(used).toEqual(['http_2xx', 'http_security_headers', 'tls_certificate']);
    const v = values(env, 'prometheus-blackbox-exporter');
    expect(Object.keys(v.config.modules)).toEqual(used);
    expect(v.fullnameOverride).toBe('blackbox-exporter');
    expect(v.networkPolicy).toEqual({ enabled: true, allowMonitoringNamespace: true, monitoringNamespaceName: ENVIRONMENTS[env].monitoringNamespace });
    expect(v.serviceMonitor.selfMonitor).toEqual({ enabled: true, labels: ENVIRONMENTS[env].prometheusSelector });
    expect(v.replicas).toBe(ENVIRONMENTS[env].highAvailability ? 2 : 1);
    expect(app(env, 'prometheus-blackbox-exporter').spec.destination.namespace).toBe(ENVIRONMENTS[env].monitoringNamespace);
    // Every Probe goes through that exporter's Service.
    for (const p of systemObjects(env).filter(o => o.kind === 'Probe')) {
      expect(p.spec.prober.url).toBe(`blackbox-exporter.${ENVIRONMENTS[env].monitoringNamespace}.svc:9115`);
    }
  });

  test('refused: an AlertmanagerConfig Alertmanager would not select, an alert no route receives, a Probe naming a module the exporter lacks', () => {
    expect(() => platformOf(chart => {
      new AlertmanagerConfig(chart, 'amc', { metadata: { name: 'stray', namespace: 'shop' }, spec: {} });
    })).toThrow('AlertmanagerConfig shop/stray lacks release=kube-prometheus-stack, so Alertmanager would never select it');
    const rule = (labels: Record<string, string>, routing: boolean) => () => platformOf(chart => {
      new PrometheusRule(chart, 'rule', {
        metadata: { name: 'r', namespace: 'shop', labels: { release: 'kube-prometheus-stack' } },
        spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: PrometheusRuleSpecGroupsRulesExpr.fromString('vector(1)'), labels }] }] },
      });
      if (routing) { new AlertRouting(chart, 'routing', { chatChannel: '#shop', email: 'ops@shop.example.com' }); }
    });
    expect(rule({ severity: 'critical' }, true)).toThrow('alert A of PrometheusRule shop/r is labelled namespace="", so no AlertmanagerConfig would route it (OnNamespace). Fix: label it namespace: shop');
    expect(rule({ severity: 'critical', namespace: 'shop' }, false)).toThrow('alert A of PrometheusRule shop/r would reach nobody: namespace shop has no AlertmanagerConfig. Fix: give the system an AlertRouting');
    expect(rule({ severity: 'critical', namespace: 'shop' }, true)).not.toThrow();
    expect(() => platformOf(chart => {
      new Probe(chart, 'probe', {
        metadata: { name: 'p', namespace: 'shop', labels: { release: 'kube-prometheus-stack' } },
        spec: { module: 'icmp', prober: { url: 'blackbox-exporter.monitoring.svc:9115' }, targets: { staticConfig: { static: ['example.com'] } } },
      });
    })).toThrow('Probe shop/p uses blackbox module "icmp", which the exporter does not have. Fix: use one of http_2xx, http_security_headers, tls_certificate');
  });
});

describe('Reloader', () => {
  test.each(ENVIRONMENT_NAMES)('%s: installed wherever a Deployment asks to restart on a Secret change, acting on those annotations only', env => {
    const asking = systemObjects(env).filter(o => o.kind === 'Deployment' && o.spec.template.metadata?.annotations?.['secret.reloader.stakater.com/reload']
      || o.metadata.annotations?.['secret.reloader.stakater.com/reload']);
    expect(asking.length).toBeGreaterThan(0);
    expect(values(env, 'reloader').reloader).toMatchObject({ reloadStrategy: 'annotations', autoReloadAll: false, watchGlobally: true });
    // It never restarts the platform's own workloads, whose Secrets rotate by design.
    expect(values(env, 'reloader').reloader.ignoreNamespaces.split(',')).toEqual(expect.arrayContaining(['cert-manager', 'cnpg-system', 'external-secrets']));
  });
});

describe('the secret store', () => {
  test.each(ENVIRONMENT_NAMES)('%s: the ClusterSecretStore reads the environment\'s secret manager as the operator\'s Workload Identity', env => {
    const settings = ENVIRONMENTS[env].secretStore;
    const store = objectsIn(`${env}/platform-config`).find(o => o.kind === 'ClusterSecretStore');
    expect(store.metadata.name).toBe(settings.storeName);
    expect(settings.manager.kind).toBe('gcp-secret-manager');
    expect(store.spec.provider).toEqual({ gcpsm: { projectID: (settings.manager as { projectID: string }).projectID } });
    const identity = PLATFORM[env].secretsOperatorIdentity as { serviceAccount: string };
    expect(values(env, 'external-secrets').serviceAccount.annotations).toEqual({ 'iam.gke.io/gcp-service-account': identity.serviceAccount });
    expect(identity.serviceAccount).toContain(`@${(settings.manager as { projectID: string }).projectID}.iam.`);
    // Grafana's login comes from the same store, never from the chart's generated password.
    const grafana = objectsIn(`${env}/platform-config`).find(o => o.kind === 'ExternalSecret');
    expect(grafana.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: settings.storeName });
    expect(values(env, 'kube-prometheus-stack').grafana.admin.existingSecret).toBe(grafana.spec.target.name);
  });

  test('AWS (IRSA) and Vault render their own providers; an identity of another cloud is refused', () => {
    const aws = platformOf(() => undefined, {
      settings: { secretStore: { storeName: 'fleet-secrets', refreshInterval: '1h', manager: { kind: 'aws-secrets-manager', region: 'eu-west-1' } } },
      platform: { secretsOperatorIdentity: { kind: 'aws-irsa', roleArn: 'arn:aws:iam::123456789012:role/external-secrets' } },
    });
    expect(aws.platform.secretStore.store.toJson().spec.provider).toEqual({ aws: { service: 'SecretsManager', region: 'eu-west-1' } });
    expect(aws.valuesOf('external-secrets').serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/external-secrets' });
    const vault = platformOf(() => undefined, {
      settings: { secretStore: { storeName: 'fleet-secrets', refreshInterval: '1h', manager: { kind: 'vault', server: 'https://vault.internal:8200', path: 'fleet', role: 'external-secrets' } } },
      platform: { secretsOperatorIdentity: { kind: 'vault-kubernetes-auth' } },
    });
    expect(vault.platform.secretStore.store.toJson().spec.provider.vault).toEqual({
      server: 'https://vault.internal:8200', path: 'fleet', version: 'v2',
      auth: { kubernetes: { mountPath: 'kubernetes', role: 'external-secrets', serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
    });
    expect(() => platformOf(() => undefined, { platform: { secretsOperatorIdentity: { kind: 'aws-irsa', roleArn: 'arn:aws:iam::123456789012:role/x' } } }))
      .toThrow('the External Secrets Operator\'s identity is aws-irsa, but the secret manager is gcp-secret-manager, reached by gcp-workload-identity');
  });
});

describe('platform waves', () => {
  test.each(ENVIRONMENT_NAMES)('%s: Namespaces and project, Argo CD, the foundations, their cluster objects, the operators, then what needs them', env => {
    const w = (name: string) => wave(app(env, name));
    for (const ns of objectsIn(`${env}/platform`).filter(o => o.kind === 'Namespace')) { expect(wave(ns)).toBe(PlatformWave.NAMESPACES); }
    expect(wave(objectsIn(`${env}/platform`).find(o => o.kind === 'AppProject'))).toBeLessThan(w('argo-cd'));
    expect(w('argo-cd')).toBeLessThan(w('cert-manager'));
    expect(w('cert-manager')).toBe(w('external-secrets'));
    // ClusterIssuers and the ClusterSecretStore need cert-manager's and ESO's CRDs and webhooks.
    expect(w('external-secrets')).toBeLessThan(w('platform-config'));
    // Grafana needs its admin Secret (platform-config); RabbitMQ's operator needs cert-manager.
    expect(w('platform-config')).toBeLessThan(w('kube-prometheus-stack'));
    expect(w('cert-manager')).toBeLessThan(w('rabbitmq-cluster-operator'));
    // The plugin needs CloudNativePG; ingress-nginx's ServiceMonitor needs the stack's CRD; the adapter its Prometheus.
    expect(w('cloudnative-pg')).toBeLessThan(w('plugin-barman-cloud'));
    if (installedIn('ingress-nginx').includes(env)) { expect(w('kube-prometheus-stack')).toBeLessThan(w('ingress-nginx')); }
    expect(w('kube-prometheus-stack')).toBeLessThan(w('prometheus-adapter'));
    // The blackbox exporter's own ServiceMonitor needs the stack's CRD.
    expect(w('kube-prometheus-stack')).toBeLessThan(w('prometheus-blackbox-exporter'));
    // cert-manager's Gateway API support needs the Gateway API CRDs, which Envoy Gateway's chart installs, before it starts;
    // the Gateway (platform-config) needs both.
    if (installedIn('envoy-gateway').includes(env)) {
      expect(w('envoy-gateway')).toBeLessThan(w('cert-manager'));
      expect(w('envoy-gateway')).toBeLessThan(w('platform-config'));
    }
  });

  test.each(['staging', 'production'])('%s: the Gateway applies last in platform-config, and its health does not hold the platform', env => {
    const config = objectsIn(`${env}/platform-config`);
    const gateway = config.find(o => o.kind === 'Gateway');
    expect(gateway.metadata.annotations['argocd.argoproj.io/ignore-healthcheck']).toBe('true');
    const last = Math.max(...config.map(wave));
    for (const kind of ['GatewayClass', 'Gateway', 'HTTPRoute', 'ClientTrafficPolicy']) { expect([kind, wave(config.find(o => o.kind === kind))]).toEqual([kind, last]); }
    expect(config.filter(o => wave(o) === last).map(o => o.kind).sort()).toEqual(['ClientTrafficPolicy', 'Gateway', 'GatewayClass', 'HTTPRoute']);
  });

  test('every platform Application syncs by itself and heals, prunes only where systems do, and never cascade-deletes', () => {
    for (const env of ENVIRONMENT_NAMES) {
      for (const a of objectsIn(`${env}/platform`).filter(o => o.kind === 'Application')) {
        expect(a.metadata.finalizers).toBeUndefined();
        expect(a.spec.syncPolicy.automated).toEqual({ prune: ENVIRONMENTS[env].gitops.automated, selfHeal: true });
      }
    }
  });
});

describe('Argo CD itself', () => {
  test.each(ENVIRONMENT_NAMES)('%s: the bootstrap values are the self-managed Application\'s, with every health check, and no manifest', env => {
    const file = files.find(f => f.path === `${env}/platform/bootstrap/argocd-values.yaml`)!;
    expect(file.object).toBeUndefined();
    expect(isManifestPath(file.path)).toBe(false);
    const bootstrap = parse(file.content);
    const argo = app(env, 'argo-cd');
    expect(argo.spec.source.helm.valuesObject).toEqual(bootstrap);
    expect(argo.spec.source.helm.releaseName).toBe('argocd');
    expect(argo.spec.destination.namespace).toBe(ENVIRONMENTS[env].gitops.namespace);
    for (const [key, check] of Object.entries(HEALTH_CHECKS)) {
      expect(bootstrap.configs.cm[`resource.customizations.health.${key}`]).toBe(check.script);
    }
    expect(bootstrap.configs.cm['resource.customizations.useOpenLibs.autoscaling_HorizontalPodAutoscaler']).toBe('true');
    expect(bootstrap.configs.cm['resource.customizations.health.argoproj.io_Application']).toContain('hs.status = obj.status.health.status');
    // The platform folder is read without recursion, so Argo CD never applies the bootstrap folder.
    const platform = objectsIn(`${env}/argocd`).find(o => o.kind === 'Application' && o.metadata.name === 'platform');
    expect(platform.spec.source).toMatchObject({ path: `dist/${env}/platform`, directory: { recurse: false, include: '*.yaml' } });
  });

  test.each(ENVIRONMENT_NAMES)('%s: the platform project allows exactly the kinds its folders render; the add-on project only the pinned sources', env => {
    const project = objectsIn(`${env}/argocd`).find(o => o.kind === 'AppProject' && o.metadata.name === 'platform');
    const rendered = new Set([...objectsIn(`${env}/platform`), ...objectsIn(`${env}/platform-config`)]
      .map(o => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
    const allowed = [...project.spec.namespaceResourceWhitelist, ...project.spec.clusterResourceWhitelist].map((k: any) => `${k.group}/${k.kind}`);
    expect(allowed.sort()).toEqual([...rendered].sort());
    const addons = objectsIn(`${env}/platform`).find(o => o.kind === 'AppProject' && o.metadata.name === 'platform-addons');
    expect(addons.spec.sourceRepos).toEqual([...new Set(Object.entries(PINS).filter(([name]) => installedIn(name).includes(env)).map(([, p]) => p.repoURL))].sort());
    const destinations = addons.spec.destinations.map((d: any) => d.namespace);
    for (const a of objectsIn(`${env}/platform`).filter(o => o.kind === 'Application' && o.spec.project === 'platform-addons')) {
      expect(destinations).toContain(a.spec.destination.namespace);
    }
  });
});

describe('HSTS without lock-out', () => {
  test.each(ENVIRONMENT_NAMES)('%s requires TLS and signs with a browser-trusted issuer: HSTS covers its hosts', env => {
    expect(ENVIRONMENTS[env].requireTls).toBe(true);
    expect(CLUSTER_ISSUERS[ENVIRONMENTS[env].clusterIssuer].browserTrusted).toBe(true);
    for (const i of [...systemObjects(env), ...objectsIn(`${env}/platform-config`)].filter(o => ['Ingress', 'Gateway'].includes(o.kind) && o.metadata.annotations['cert-manager.io/cluster-issuer'])) {
      expect(CLUSTER_ISSUERS[i.metadata.annotations['cert-manager.io/cluster-issuer']].browserTrusted).toBe(true);
      expect(i.kind === 'Ingress' ? i.spec.tls?.length : i.spec.listeners.filter((l: any) => l.tls).length).toBeGreaterThan(0);
    }
    const hsts = systemObjects(env).filter(o => (o.kind === 'ConfigMap' && o.data?.['Strict-Transport-Security'])
      || (o.kind === 'HTTPRoute' && JSON.stringify(o.spec.rules).includes('Strict-Transport-Security')));
    expect(hsts.length).toBeGreaterThan(0);
  });

  const headersIn = (settings: Partial<EnvironmentSettings>) => () => {
    const a = new App({ outdir: '/dev/null' });
    const chart = new SystemChart(a, { environment: new Environment({ ...ENVIRONMENTS.staging, ...settings }), system: 'shop' });
    new ResponseHeaders(chart, 'headers', { name: 'security-headers' });
  };
  test('an environment whose hosts HSTS covers cannot sign with an untrusted issuer', () => {
    expect(headersIn({ clusterIssuer: 'letsencrypt-staging' })).toThrow(
      'staging-shop/headers: Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" covers staging\'s hosts (<name>.staging.<domain>, which production\'s includeSubDomains covers too), but staging signs them with letsencrypt-staging, which browsers do not trust');
  });
  test('nor serve plain HTTP', () => {
    expect(headersIn({ requireTls: false })).toThrow(/does not require TLS \(requireTls: false\).*Fix: set requireTls: true for staging/);
  });
  test('an Ingress sending HSTS cannot take an untrusted issuer of its own; an unknown issuer is refused', () => {
    const ingress = (clusterIssuer: string) => () => {
      const a = new App({ outdir: '/dev/null' });
      const chart = new SystemChart(a, { environment: new Environment(ENVIRONMENTS.production), system: 'shop' });
      const web = new Microservice(chart, 'web', webProps());
      new EdgeRoute(chart, 'ingress', { name: 'web', routes: [{ host: 'web.example.com', backend: web }], clusterIssuer });
    };
    expect(ingress('letsencrypt-staging')).toThrow(/Ingress web sends Strict-Transport-Security .* from letsencrypt-staging, which browsers do not trust/);
    expect(ingress('acme-internal')).toThrow('clusterIssuer "acme-internal" is not a ClusterIssuer the platform renders. Fix: use one of letsencrypt-prod, letsencrypt-staging');
    expect(() => new Environment({ ...ENVIRONMENTS.dev, clusterIssuer: 'acme-internal' })).toThrow('environments/dev: clusterIssuer "acme-internal" is not a ClusterIssuer the platform renders');
  });
});
