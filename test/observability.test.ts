import * as fs from 'fs';
import * as path from 'path';
import { SystemChart } from '../lib/chart';
import { EdgeRoute } from '../lib/edge/edge-route';
import { buildFleet } from '../lib/fleet';
import { httpServerMetrics } from '../lib/observability/catalogue';
import { Dashboard, GRAFANA_INTERVALS, PanelSpec } from '../lib/observability/dashboard';
import { CustomMetric } from '../lib/observability/metric';
import { BURN_ALERT, errorRatioRecord, ServiceLevelObjectives, ServiceLevelSpec, SLI_ABSENT_ALERT, SLI_WINDOWS } from '../lib/observability/service-level';
import { seriesValues, sloTestFiles, sloTestSuite } from '../lib/observability/slo-tests';
import { observabilitySummary } from '../lib/observability/summary';
import { RowSource, SystemDashboards } from '../lib/observability/system-dashboards';
import { EndpointProbes } from '../lib/monitoring/endpoint-probes';
import { renderApp, toYaml } from '../lib/render/manifest-writer';
import { Microservice, MicroserviceProps } from '../lib/workload/microservice';
import { Worker } from '../lib/workload/worker';
import { renderShop } from './fixtures/shop';
import { objects, testChart, webProps } from './util';

/**
 * Dashboards and SLOs of the construct library, on small fixtures: what a service declares
 * becomes its panels and its SLO rules; bad declarations are refused at synth with the path,
 * the value and the fix.
 */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `^<path>: ` … the bad value … `Fix: ` … the fix. */
const refused = (where: string, value: string, fix: string) => new RegExp(`^${escape(where)}: .*${escape(value)}.*\\. Fix: .*${escape(fix)}`);

const SLO: ServiceLevelSpec = { availability: 0.999, latency: { percentile: 0.95, thresholdSeconds: 0.5 }, basis: 'test' };
const GAUGE: CustomMetric = { name: 'carts_open', type: 'gauge', aggregate: 'sum', group: 'shop', help: 'Carts open.' };

/** A scraped web service with HTTP metrics, an SLO and an Ingress on `host`. */
function service(chart: SystemChart, name: string, overrides: Partial<MicroserviceProps> = {}): Microservice {
  return new Microservice(chart, name, webProps({
    ingresses: [{ host: `${name}.example.com` }],
    metrics: { port: 'metrics', custom: [...httpServerMetrics(), GAUGE] },
    slo: SLO,
    ...overrides,
  }));
}

const ROWS: RowSource[] = [
  { title: 'Traffic', show: 'traffic' },
  { title: 'SLOs', show: 'slo' },
  { title: 'Shop', show: 'metrics', group: 'shop' },
  { title: 'Autoscaling', show: 'autoscaling' },
  { title: 'Targets', show: 'targets' },
];

function dashboardOf(chart: SystemChart, rows: RowSource[] = ROWS): any {
  new SystemDashboards(chart, 'dashboards', { dashboards: [{ id: 'overview', title: 'Overview', description: 'All of it.', rows }] });
  const cm = objects(chart).find(o => o.kind === 'ConfigMap' && o.metadata.name === 'dashboard-shop-overview');
  return JSON.parse(cm.data['shop-overview.json']);
}
const titles = (d: any) => d.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.title);
const exprs = (d: any, title: string) => d.panels.find((p: any) => p.title === title).targets.map((t: any) => t.expr);

describe('dashboards derived from the services', () => {
  test('a service gets its traffic, SLO, metric, autoscaling and scrape panels', () => {
    const chart = testChart();
    service(chart, 'web');
    expect(titles(dashboardOf(chart))).toEqual([
      'web: requests by status class', 'web: error ratio (5xx)', 'web: latency p50, p95, p99',
      'web: availability error budget burn rate', 'web: latency error budget burn rate',
      'carts_open', 'web: replicas (HPA)', 'Scrape targets up by job',
    ]);
  });

  test('a new service gets its panels on every dashboard that shows its kind, with no dashboard code touched', () => {
    const chart = testChart();
    service(chart, 'web');
    service(chart, 'api');
    const d = dashboardOf(chart);
    for (const t of ['api: requests by status class', 'api: availability error budget burn rate', 'api: latency p50, p95, p99', 'api: replicas (HPA)', 'api: carts_open']) {
      expect(titles(d)).toContain(t);
    }
    expect(exprs(d, 'Scrape targets up by job')).toEqual(['sum by (job) (up{namespace="shop", job=~"web|api"})']);
  });

  test('queries use the labels the scrape produces: the namespace and the Services\' names as job', () => {
    const chart = testChart();
    service(chart, 'web');
    new Worker(chart, 'mailer', {
      image: 'ghcr.io/acme/mailer:2.0.0', ports: [{ name: 'metrics', containerPort: 9090 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      probes: { readiness: { path: '/health', port: 'metrics' }, liveness: { tcp: true, port: 'metrics' } },
      metrics: { custom: [{ name: 'mails_sent_total', type: 'counter', aggregate: 'sum', group: 'shop', help: 'Mails sent.' }] },
    });
    const d = dashboardOf(chart);
    expect(exprs(d, 'mails_sent_total')).toEqual(['sum(rate(mails_sent_total{namespace="shop", job="mailer-metrics"}[$__rate_interval]))']);
    expect(exprs(d, 'web: error ratio (5xx)')).toEqual([
      'sum(rate(http_requests_total{namespace="shop", job="web", status=~"5.."}[$__rate_interval])) / sum(rate(http_requests_total{namespace="shop", job="web"}[$__rate_interval]))',
    ]);
  });

  test('a reading every replica repeats is taken once (max), never summed per replica; a shared ratio collapses replicas first', () => {
    const chart = testChart();
    service(chart, 'web', {
      metrics: {
        port: 'metrics',
        custom: [
          { name: 'queue_length', type: 'gauge', aggregate: 'max', group: 'shop', help: 'Jobs waiting in the shared queue.' },
          { name: 'hits_total', type: 'counter', aggregate: 'max', labels: ['db'], help: 'Hits.' },
          { name: 'misses_total', type: 'counter', aggregate: 'max', labels: ['db'], help: 'Misses.' },
          { type: 'ratio', title: 'Hit ratio', group: 'shop', help: 'Hits over lookups.', numerator: 'hits_total', denominator: ['hits_total', 'misses_total'] },
          { name: 'render_seconds', type: 'histogram', aggregate: 'sum', unit: 'seconds', group: 'shop', help: 'Render time.' },
        ],
      },
      slo: false,
    });
    const d = dashboardOf(chart, [{ title: 'Shop', show: 'metrics', group: 'shop' }]);
    const sel = 'namespace="shop", job="web"';
    expect(exprs(d, 'queue_length')).toEqual([`max(queue_length{${sel}})`]);
    expect(exprs(d, 'Hit ratio')).toEqual([
      `sum(max by (db) (rate(hits_total{${sel}}[$__rate_interval]))) / (sum(max by (db) (rate(hits_total{${sel}}[$__rate_interval]))) + sum(max by (db) (rate(misses_total{${sel}}[$__rate_interval]))))`,
    ]);
    expect(exprs(d, 'render_seconds')).toEqual([0.5, 0.95, 0.99].map(q => `histogram_quantile(${q}, sum by (le) (rate(render_seconds_bucket{${sel}}[$__rate_interval])))`));
  });

  test('lines come from the declarations: SLO budget and threshold, HPA bounds and target', () => {
    const chart = testChart();
    service(chart, 'web', { autoscaling: { minReplicas: 2, maxReplicas: 6, podsMetrics: [{ metric: 'http_requests_per_second', averageValue: 100 }] } });
    const d = dashboardOf(chart);
    const steps = (title: string) => d.panels.find((p: any) => p.title === title).fieldConfig.defaults.thresholds.steps.slice(1).map((s: any) => s.value);
    expect(steps('web: error ratio (5xx)')).toEqual([0.001]);
    expect(steps('web: latency p50, p95, p99')).toEqual([0.5]);
    expect(steps('web: replicas (HPA)')).toEqual([2, 6]);
    expect(steps('web: http_requests_per_second per pod (HPA target)')).toEqual([100]);
    expect(exprs(d, 'web: http_requests_per_second per pod (HPA target)')).toEqual([
      'sum(rate(http_requests_total{namespace="shop", job="web"}[$__rate_interval])) / sum(up{namespace="shop", job="web"})',
    ]);
  });

  test('a service without metrics of its own is drawn from the ingress controller', () => {
    const chart = testChart('production', 'shop', { edge: 'ingress-nginx' });
    service(chart, 'web', { metrics: false });
    const d = dashboardOf(chart, [{ title: 'Traffic', show: 'traffic' }, { title: 'Edge', show: 'security' }]);
    expect(exprs(d, 'web: error ratio (5xx)')[0]).toContain('nginx_ingress_controller_requests{exported_namespace="shop", service="web", status=~"5.."}');
    expect(exprs(d, 'Days until the TLS certificate expires, by host')).toEqual([
      'min by (host) (nginx_ingress_controller_ssl_expire_time_seconds{host=~"web\\\\.example\\\\.com"} - time()) / 86400',
    ]);
  });

  test('the security row shows what each edge serving the system answered; on the Gateway alone, the certificates as the probes see them', () => {
    const row = (edge: 'gateway-api' | 'both') => {
      const chart = testChart('production', 'shop', { edge });
      service(chart, 'web', { metrics: false });
      new EndpointProbes(chart, 'probes', { alertPrefix: 'Shop', latencyThresholdSeconds: 1 });
      return dashboardOf(chart, [{ title: 'Edge', show: 'security' }]);
    };
    const gateway = row('gateway-api');
    expect(titles(gateway)).toEqual(['Denied requests (401, 403) by route rule', 'Client errors (4xx) by route rule',
      'Days until the TLS certificate expires, by probed URL', 'Probes succeeding, by probed URL and check']);
    expect(exprs(gateway, 'Client errors (4xx) by route rule')).toEqual([
      'sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx{namespace="envoy-gateway-system", envoy_cluster_name=~"httproute/shop/.+", envoy_response_code_class="4"}[$__rate_interval]))',
    ]);
    expect(exprs(gateway, 'Denied requests (401, 403) by route rule')[0]).toContain('envoy_cluster_upstream_rq{namespace="envoy-gateway-system", envoy_cluster_name=~"httproute/shop/.+", envoy_response_code=~"401|403"}');
    // During a cut-over both edges' panels; ingress-nginx reports the certificates itself.
    expect(titles(row('both'))).toEqual(['Denied requests (401, 403) by Ingress', 'Client errors (4xx) by host', 'Rate limited (429) by Ingress',
      'Days until the TLS certificate expires, by host', 'Denied requests (401, 403) by route rule', 'Client errors (4xx) by route rule']);
  });

  test('the dashboard is a sidecar ConfigMap: label, folder, one JSON key named after the uid', () => {
    const chart = testChart();
    service(chart, 'web');
    dashboardOf(chart);
    const cm = objects(chart).find(o => o.kind === 'ConfigMap' && o.metadata.name === 'dashboard-shop-overview');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations.grafana_folder).toBe('shop');
    expect(Object.keys(cm.data)).toEqual(['shop-overview.json']);
    const d = JSON.parse(cm.data['shop-overview.json']);
    expect([d.uid, d.title, d.refresh, d.templating.list[0].type]).toEqual(['shop-overview', 'Overview', '30s', 'datasource']);
    expect(d.panels.every((p: any) => p.type === 'row' || p.datasource.uid === '${datasource}')).toBe(true);
  });
});

describe('bad dashboards and declarations are refused at synth', () => {
  const panel = (expr: string): PanelSpec => ({ title: 'Orders', description: 'Orders.', queries: [{ expr }] });
  const build = (expr: string, uid = 'shop-x') => new Dashboard(testChart(), 'd', {
    uid, title: 'X', description: 'X.', folder: 'shop', rows: [{ title: 'R', panels: [panel(expr)] }],
  });

  test.each([
    ['unclosed parenthesis', 'sum(rate(orders_total[$__rate_interval])', 'sum(rate(orders_total[5m])', 'add the missing ")"'],
    ['misspelt function', 'ratee(orders_total[5m])', 'ratee', 'use rate(…)'],
    ['instant vector where rate needs a range', 'rate(orders_total)', 'rate(orders_total)', 'rate(orders_total[5m])'],
  ])('%s in a panel query', (_title, expr, value, fix) => {
    expect(() => build(expr)).toThrow(refused('production-shop/d', `dashboard shop-x panel "Orders" query A: PromQL expression "${value}`, fix));
    expect(() => build(expr)).toThrow(new RegExp(escape(value)));
  });

  test('a Grafana variable the dashboard does not define', () => {
    expect(() => build('sum(orders_total{namespace="$namespace"})')).toThrow(refused('production-shop/d', 'uses the Grafana variable $namespace', 'write the namespace and job as literals'));
  });

  test('a uid Grafana would refuse', () => {
    expect(() => build('sum(orders_total)', 'Shop_Overview')).toThrow(refused('production-shop/d', 'dashboard uid "Shop_Overview"', 'limits uids to 40 characters'));
  });

  test('a metric group no dashboard shows, and a row that shows nothing', () => {
    const typo = testChart();
    service(typo, 'web', { metrics: { port: 'metrics', custom: [...httpServerMetrics(), { ...GAUGE, group: 'shpo' }] } });
    expect(() => dashboardOf(typo)).toThrow(refused('production-shop/dashboards', 'declares carts_open in the dashboard group "shpo"', "add a row { show: 'metrics', group: 'shpo' }"));
    const empty = testChart();
    service(empty, 'web', { metrics: { port: 'metrics', custom: httpServerMetrics() } });
    expect(() => dashboardOf(empty, [{ title: 'Shop', show: 'metrics', group: 'shop' }])).toThrow(refused('production-shop/dashboards', 'row "Shop" (metrics shop) shows nothing', 'remove the row'));
  });

  test('an HPA on a series the service does not declare', () => {
    const chart = testChart();
    service(chart, 'web', { autoscaling: { minReplicas: 2, maxReplicas: 6, podsMetrics: [{ metric: 'carts_per_second', averageValue: 5 }] } });
    expect(() => dashboardOf(chart)).toThrow(refused('production-shop/web', 'autoscales on carts_per_second, computed from the counter carts_total, which web does not declare', 'declare carts_total as a counter'));
  });

  test('a service built after the dashboards', () => {
    const chart = testChart();
    service(chart, 'web');
    dashboardOf(chart);
    service(chart, 'late');
    expect(() => renderApp(chart.node.root as any)).toThrow(/production-shop\/dashboards: a service or scrape was added after the dashboards were built.*Fix: build SystemDashboards last/);
  });

  test.each<[string, CustomMetric, string, string]>([
    ['a histogram declared by its bucket series', { name: 'render_seconds_bucket', type: 'histogram', aggregate: 'sum', help: 'x' }, 'histogram "render_seconds_bucket" is declared by one of its series', 'declare it by its base name "render_seconds"'],
    ['a histogram that is not summed', { name: 'render_seconds', type: 'histogram', aggregate: 'max', help: 'x' }, 'histogram render_seconds has aggregate "max"', 'use "sum"'],
    ['a label its type owns', { name: 'render_seconds', type: 'histogram', aggregate: 'sum', labels: ['le'], help: 'x' }, 'declares the label "le"', 'remove "le"'],
    ['a bad metric name', { name: 'render-seconds', type: 'gauge', aggregate: 'max', help: 'x' }, 'custom metric "render-seconds" is not a Prometheus metric name', 'use letters, digits'],
    ['a ratio of undeclared counters', { type: 'ratio', title: 'Hit ratio', group: 'shop', help: 'x', numerator: 'hits_total', denominator: ['lookups_total'] }, 'ratio "Hit ratio" reads hits_total', 'declare hits_total'],
  ])('%s', (_title, metric, value, fix) => {
    expect(() => service(testChart(), 'web', { metrics: { port: 'metrics', custom: [metric] }, slo: false }))
      .toThrow(refused('production-shop/web/monitor', value, fix));
  });

  test('a label the scrape sets is read as exported_<label>', () => {
    const chart = testChart();
    service(chart, 'web', { metrics: { port: 'metrics', custom: [...httpServerMetrics(), { name: 'calls_total', type: 'counter', aggregate: 'sum', labels: ['endpoint'], group: 'shop', help: 'Calls.' }] } });
    expect(exprs(dashboardOf(chart), 'calls_total')).toEqual(['sum by (exported_endpoint) (rate(calls_total{namespace="shop", job="web"}[$__rate_interval]))']);
  });
});

describe('SLOs', () => {
  const rulesOf = (ms: Microservice) => ms.slo!.rule.toJson().spec.groups.flatMap((g: any) => g.rules);

  test('recording rules per window and one burn-rate alert per window pair, per objective', () => {
    const rules = rulesOf(service(testChart(), 'web'));
    for (const slo of ['availability', 'latency']) {
      expect(rules.filter((r: any) => r.record && r.labels.slo === slo).map((r: any) => r.record)).toEqual(SLI_WINDOWS.map(errorRatioRecord));
      const budget = slo === 'availability' ? 0.001 : 0.05;
      expect(rules.filter((r: any) => r.alert && r.expr.includes(`slo="${slo}"`)).map((r: any) => [r.alert, r.labels.severity, r.expr])).toEqual(
        [['1h', '5m', 14.4, 'critical'], ['6h', '30m', 6, 'critical'], ['1d', '2h', 3, 'warning'], ['3d', '6h', 1, 'warning']].map(([long, short, f, sev]) => [BURN_ALERT, sev,
          `slo:sli_error:ratio_rate${long}{namespace="shop", service="web", slo="${slo}"} > (${f} * ${budget}) and slo:sli_error:ratio_rate${short}{namespace="shop", service="web", slo="${slo}"} > (${f} * ${budget})`]));
    }
    expect(rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'latency').expr)
      .toBe('1 - (sum(rate(http_request_duration_seconds_bucket{namespace="shop", job="web", le="0.5"}[5m])) / sum(rate(http_request_duration_seconds_count{namespace="shop", job="web"}[5m])))');
  });

  test('the SLI counts the live Service\'s pods once; the preview\'s only while a canary sends users there', () => {
    const bg = (canaryWeight?: number) => ({
      image: undefined, blueGreen: { active: 'blue' as const, blue: { image: 'ghcr.io/acme/web:1.0.0' }, green: { image: 'ghcr.io/acme/web:1.1.0' }, ...(canaryWeight ? { canaryWeight } : {}) },
    });
    const live = rulesOf(service(testChart(), 'web', bg()));
    expect(live.find((r: any) => r.record === 'slo:sli_error:ratio_rate1h').expr)
      .toBe('sum(rate(http_requests_total{namespace="shop", job="web", status=~"5.."}[1h])) / sum(rate(http_requests_total{namespace="shop", job="web"}[1h]))');
    const canary = rulesOf(service(testChart(), 'web', bg(25)));
    expect(canary.find((r: any) => r.record === 'slo:sli_error:ratio_rate1h').expr).toContain('job=~"web|web-preview"');
    const edge = rulesOf(service(testChart('production', 'shop', { edge: 'ingress-nginx' }), 'web', { ...bg(25), metrics: false }));
    expect(edge.find((r: any) => r.record === 'slo:sli_error:ratio_rate1h').expr)
      .toBe('sum(rate(nginx_ingress_controller_requests{exported_namespace="shop", service=~"web|web-preview", ingress!="web-preview", status=~"5.."}[1h])) / sum(rate(nginx_ingress_controller_requests{exported_namespace="shop", service=~"web|web-preview", ingress!="web-preview"}[1h]))');
  });

  test.each<[string, Partial<MicroserviceProps>, string, string]>([
    ['an objective whose page could never fire', { slo: { availability: 0.9, basis: 'x' } }, 'availability objective 0.9 leaves a budget of 10 %', 'use an objective above 0.93055'],
    ['an objective that is not a share', { slo: { availability: 99.9, basis: 'x' } }, 'availability objective 99.9 is not a share between 0 and 1', 'e.g. 0.999'],
    ['a latency threshold that is not a bucket bound', { slo: { ...SLO, latency: { percentile: 0.95, thresholdSeconds: 0.3 } } }, 'latency threshold 0.3s is not a bucket bound of http_request_duration_seconds', 'add 0.3 to the histogram\'s buckets'],
    ['a latency objective without the histogram', { metrics: { port: 'metrics', custom: [httpServerMetrics()[0]] } }, 'a latency objective needs the histogram http_request_duration_seconds', 'declare it with httpServerMetrics()'],
    ['an SLO without its basis', { slo: { availability: 0.999, basis: ' ' } }, 'the SLO has no basis', 'say where its numbers come from'],
    ['a latency threshold Prometheus 3 writes in exponent form', {
      metrics: { port: 'metrics', custom: httpServerMetrics({ buckets: [0.00001, 0.1, 1] }) }, slo: { ...SLO, latency: { percentile: 0.95, thresholdSeconds: 0.00001 } },
    }, 'latency threshold 0.00001s is the bucket bound 0.00001 of http_request_duration_seconds, which Prometheus 3 writes in exponent form', 'use a threshold between 0.1 ms and 1,000 s'],
  ])('%s is refused', (_title, overrides, value, fix) => {
    expect(() => service(testChart(), 'web', overrides)).toThrow(refused('production-shop/web/slo', value, fix));
  });

  describe('a service without metrics of its own is measured at the edge', () => {
    const bg = { image: undefined, blueGreen: { active: 'blue' as const, blue: { image: 'ghcr.io/acme/web:1.0.0' }, green: { image: 'ghcr.io/acme/web:1.1.0' }, previewHost: 'web-preview.example.com' } };
    const ratio1h = (rules: any[], slo = 'availability') => rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate1h' && r.labels.slo === slo).expr;

    test('at the Gateway: the rules of every HTTPRoute to its live Service, those built after it too; not the preview host\'s', () => {
      const chart = testChart();
      const web = service(chart, 'web', { ...bg, metrics: false });
      const other = service(chart, 'other', { metrics: false, ingresses: [] , slo: false });
      // A route of the system's own, built after the service, with a rule to another service first.
      new EdgeRoute(chart, 'shop-route', {
        name: 'shop', routes: [{ host: 'shop.example.com', path: '/other', backend: other }, { host: 'shop.example.com', path: '/web', backend: web }],
      });
      const rules = rulesOf(web);
      // A rule becomes one cluster per backend when a backend has no endpoints: those names count too.
      const sel = 'namespace="envoy-gateway-system", envoy_cluster_name=~"(httproute/shop/shop/rule/1|httproute/shop/web/rule/0)(/backend/[0-9]+)?"';
      expect(ratio1h(rules)).toBe(`sum(rate(envoy_cluster_upstream_rq_xx{${sel}, envoy_response_code_class="5"}[1h])) / sum(rate(envoy_cluster_upstream_rq_xx{${sel}}[1h]))`);
      // Envoy's histogram counts milliseconds: 0.5 s is the bucket 500.
      expect(ratio1h(rules, 'latency')).toBe(`1 - (sum(rate(envoy_cluster_upstream_rq_time_bucket{${sel}, le=~"500(\\\\.0)?"}[1h])) / sum(rate(envoy_cluster_upstream_rq_time_count{${sel}}[1h])))`);
      // One absence alert per rule, on a gauge every cluster has from its creation.
      const absent = rules.filter((r: any) => r.alert === SLI_ABSENT_ALERT);
      expect(absent.map((r: any) => [r.expr, r.for, r.labels.route_rule, r.labels.severity])).toEqual([
        ['absent(envoy_cluster_membership_total{namespace="envoy-gateway-system", envoy_cluster_name=~"httproute/shop/shop/rule/1(/backend/[0-9]+)?"})', '5m', 'httproute/shop/shop/rule/1', 'warning'],
        ['absent(envoy_cluster_membership_total{namespace="envoy-gateway-system", envoy_cluster_name=~"httproute/shop/web/rule/0(/backend/[0-9]+)?"})', '5m', 'httproute/shop/web/rule/0', 'warning'],
      ]);
      // The promtool tests: every rule gone, one gone among others present, all present.
      const suite: any = sloTestSuite([web.slo!], 'shop', 'production');
      const absence = suite.tests.filter((t: any) => t.name.startsWith(SLI_ABSENT_ALERT));
      expect(absence.map((t: any) => t.alert_rule_test.at(-1).exp_alerts.map((a: any) => a.exp_labels.route_rule))).toEqual([
        ['httproute/shop/shop/rule/1', 'httproute/shop/web/rule/0'], [], ['httproute/shop/shop/rule/1'],
      ]);
      const [indicator] = web.slo!.indicators;
      expect(indicator.decoy).toEqual({ namespace: 'envoy-gateway-system', envoy_cluster_name: 'httproute/shop/web-preview/rule/0' });
    });

    test('during a cut-over (edge "both"), summed over ingress-nginx and the Gateway, each counting 0 until it has series', () => {
      const chart = testChart('production', 'shop', { edge: 'both' });
      const rules = rulesOf(service(chart, 'web', { metrics: false }));
      const nginx = 'exported_namespace="shop", service="web"';
      const envoy = 'namespace="envoy-gateway-system", envoy_cluster_name=~"httproute/shop/web/rule/0(/backend/[0-9]+)?"';
      expect(ratio1h(rules)).toBe(
        `((sum(rate(nginx_ingress_controller_requests{${nginx}, status=~"5.."}[1h])) or vector(0)) + (sum(rate(envoy_cluster_upstream_rq_xx{${envoy}, envoy_response_code_class="5"}[1h])) or vector(0))) / `
        + `((sum(rate(nginx_ingress_controller_requests{${nginx}}[1h])) or vector(0)) + (sum(rate(envoy_cluster_upstream_rq_xx{${envoy}}[1h])) or vector(0)))`);
    });

    test('the dashboards show its traffic where it is measured, in the histogram\'s unit', () => {
      const chart = testChart();
      service(chart, 'web', { metrics: false });
      const d = dashboardOf(chart, [{ title: 'Traffic', show: 'traffic' }]);
      const latency = d.panels.find((p: any) => p.title === 'web: latency p50, p95, p99');
      expect(latency.fieldConfig.defaults.unit).toBe('ms');
      expect(JSON.stringify(latency.fieldConfig.defaults.thresholds)).toContain('500');
      expect(exprs(d, 'web: error ratio (5xx)')[0]).toContain('envoy_response_code_class="5"');
    });

    const build = (overrides: Partial<MicroserviceProps>) => () => {
      const chart = testChart();
      service(chart, 'web', overrides);
      return chart;
    };
    test.each<[string, () => SystemChart, string, string]>([
      ['no route to it', build({ metrics: false, ingresses: [] }),
        'web\'s SLO is measured at the Gateway (web exports no http_requests_total), but no HTTPRoute in production sends users to its Service', 'route users to it'],
      ['a latency threshold Envoy has no bucket for', build({ metrics: false, slo: { ...SLO, latency: { percentile: 0.95, thresholdSeconds: 0.3 } } }),
        'latency threshold 0.3s is not a bucket bound of envoy-gateway\'s upstream request time histogram', 'use one of those bounds'],
    ])('%s is refused', (_title, chartOf, value, fix) => {
      expect(() => renderApp(chartOf().node.root as any)).toThrow(new RegExp(`production-shop/web/slo: .*${escape(value)}.*\\. Fix: .*${escape(fix)}`));
    });

    test('a route built after the dashboards read the SLO is refused', () => {
      const chart = testChart();
      const web = service(chart, 'web', { metrics: false });
      dashboardOf(chart, [{ title: 'Traffic', show: 'traffic' }]);
      new EdgeRoute(chart, 'late', { name: 'late', routes: [{ host: 'late.example.com', backend: web }] });
      expect(() => renderApp(chart.node.root as any)).toThrow(/an HTTPRoute rule to web was built after its SLO was read.*build the routes before SystemDashboards/);
    });
  });
});

describe('promtool tests of the burn-rate alerts', () => {
  test('expanding notation never writes a constant run as a+0xn (promtool reads 0x… as hexadecimal)', () => {
    expect(seriesValues([5, 5, 5, 7, 9, 11])).toBe('5x2 7+2x2');
    expect(seriesValues([1, 2])).toBe('1+1x1');
  });

  test('each window pair has a case where it fires at its burn rate, one just below, one after recovering', () => {
    const chart = testChart();
    service(chart, 'web');
    const slo = chart.node.findAll().find((c): c is ServiceLevelObjectives => c instanceof ServiceLevelObjectives)!;
    const suite: any = sloTestSuite([slo], 'shop', 'production');
    expect(suite.rule_files).toEqual(['prometheusrule-web-slo.yaml']);
    const fired = (name: string) => suite.tests.find((t: any) => t.name.startsWith(name)).alert_rule_test[0].exp_alerts
      .map((a: any) => `${a.exp_labels.slo} ${a.exp_labels.long_window}`).sort();
    expect(fired('1h/5m page fires')).toEqual(['availability 1h', 'latency 1h']);
    expect(fired('1h/5m page stays silent: errors at 0.95')).toEqual([]);
    expect(fired('1h/5m page stays silent: errors at 1.6')).not.toContain('availability 1h');
    // A 1-day burn at 3.15× is a 3-day burn above 1×: both tickets are expected.
    expect(fired('1d/2h ticket fires')).toEqual(['availability 1d', 'availability 3d', 'latency 1d', 'latency 3d']);
  });

  test('with blue/green, a per-color Service\'s job fails every request in every case, and must not count', () => {
    const chart = testChart();
    service(chart, 'web', { image: undefined, blueGreen: { active: 'blue', blue: { image: 'ghcr.io/acme/web:1.0.0' }, green: { image: 'ghcr.io/acme/web:1.1.0' } } });
    const slo = chart.node.findAll().find((c): c is ServiceLevelObjectives => c instanceof ServiceLevelObjectives)!;
    const suite: any = sloTestSuite([slo], 'shop', 'production');
    for (const t of suite.tests) {
      expect(t.input_series.map((s: any) => s.series)).toContain('http_requests_total{namespace="shop", job="web-blue", pod="decoy", status="503"}');
    }
    expect(suite.tests.find((t: any) => t.name.startsWith('1h/5m page stays silent: errors at 0.95')).alert_rule_test[0].exp_alerts).toEqual([]);
  });

  test('the committed test/alerts/*.slo.test.yaml are what `npm run slo-tests` writes', () => {
    const files = sloTestFiles(buildFleet(), toYaml);
    const dir = path.join(__dirname, 'alerts');
    const committed = fs.readdirSync(dir).filter(f => f.endsWith('.slo.test.yaml')).sort();
    expect(committed).toEqual(Object.keys(files).sort());
    const stale = committed.filter(f => fs.readFileSync(path.join(dir, f), 'utf8') !== files[f]);
    expect([stale, stale.length ? 'run npm run slo-tests' : '']).toEqual([[], '']);
  });

  test('scripts/verify/promtool.js checks dashboard queries with the same interval values as the construct', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require('../scripts/verify/promtool.js').GRAFANA_INTERVALS).toEqual(GRAFANA_INTERVALS);
  });
});

describe('the README section', () => {
  test('lists every dashboard with its panels and queries, every SLO and alert, and their files', () => {
    const readme = renderShop().find(f => f.path === 'production/shop/README.md')!.content;
    const section = readme.slice(readme.indexOf('## Observability'));
    expect(section).toContain('| Shop Overview | `shop-overview` | shop | 16 | configmap-dashboard-shop-overview.yaml |');
    expect(section).toContain('| Traffic | web: error ratio (5xx) | error ratio: `sum(rate(http_requests_total{namespace="shop", job="web", status=~"5.."}[$__rate_interval])) / sum(rate(http_requests_total{namespace="shop", job="web"}[$__rate_interval]))` |');
    expect(section).toContain('| web | latency 95 % under 500 ms | by the service (`http_request_duration_seconds`) | prometheusrule-web-slo.yaml |');
    // The alerts are listed once, in the Alerts section, with their routing.
    expect(section).toContain('The alerts, with their timing and where each severity is delivered: [Alerts](#alerts) above.');
    expect(readme.slice(readme.indexOf('## Alerts'), readme.indexOf('## Observability'))).toMatch(/\| ShopHighErrorRate \| critical \| [^|]+ \| 2m \| shop \| shop-alerts \|/);
    // A regex alternation cannot end a Markdown table cell.
    expect(section).toContain('job=~"web\\|web-preview"');
  });

  test('a system with no dashboards, SLOs or alerts has no section', () => {
    expect(observabilitySummary([{ kind: 'ConfigMap', metadata: { name: 'x', labels: {} }, data: {} }])).toBe('');
  });
});
