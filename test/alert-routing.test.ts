import { App } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { SystemChart } from '../lib/chart';
import { Environment, EnvironmentName } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { AlertGroupSpec, AlertRules, AlertSpec } from '../lib/monitoring/alert-rules';
import { alertInventory } from '../lib/monitoring/alert-inventory';
import { AlertRouting, AlertRoutingProps, RECEIVER_KEYS, ROUTE_TIMING } from '../lib/monitoring/alert-routing';
import { durationSeconds } from '../lib/monitoring/duration';
import { validateApp } from '../lib/render/manifest-writer';
import { find, objects } from './util';

/**
 * Alert routing: what an AlertRouting renders (receivers per severity, timings, inhibition,
 * credentials by reference), what it refuses, and — over dist/ — that every alert of the fleet
 * reaches a route.
 */

const ENVS = ['dev', 'staging', 'production'] as const;
const dist = path.join(__dirname, '..', 'dist');

const alert = (a: Partial<AlertSpec> = {}): AlertSpec => ({
  alert: 'ShopDown', severity: 'critical', for: '30s', expr: 'up{job="web"} == 0',
  summary: 'Shop is down', description: 'No web target is up.', ...a,
});

function shop(env: EnvironmentName = 'production', props: Partial<AlertRoutingProps> = {}, groups?: AlertGroupSpec[]) {
  const app = new App({ outdir: '/dev/null' });
  const chart = new SystemChart(app, { environment: new Environment(ENVIRONMENTS[env]), system: 'shop' });
  if (groups) { new AlertRules(chart, 'alerts', { name: 'shop-alerts', groups }); }
  const routing = new AlertRouting(chart, 'routing', { chatChannel: '#shop-alerts', email: 'ops@shop.example.com', ...props });
  return { app, chart, routing };
}

describe('AlertRouting', () => {
  test('critical pages and posts to chat, warning posts to chat, info mails; each with its timing and the severity matcher', () => {
    const { chart } = shop();
    const config = find(objects(chart), 'AlertmanagerConfig', 'shop');
    expect(config.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/part-of': 'shop' });
    const { route, receivers } = config.spec;
    expect(route.receiver).toBe('warning');
    expect(route.routes.map((r: any) => [r.matchers, r.receiver, r.groupWait, r.groupInterval, r.repeatInterval])).toEqual([
      [[{ name: 'severity', value: 'critical', matchType: '=' }], 'critical', '10s', '1m', '1h'],
      [[{ name: 'severity', value: 'warning', matchType: '=' }], 'warning', '30s', '5m', '4h'],
      [[{ name: 'severity', value: 'info', matchType: '=' }], 'info', '5m', '30m', '24h'],
    ]);
    const secret = (key: string) => ({ name: 'alertmanager-receivers', key });
    expect(receivers).toEqual([
      {
        name: 'critical',
        pagerdutyConfigs: [{ routingKey: secret('pagerduty-routing-key'), sendResolved: true }],
        slackConfigs: [{ apiURL: secret('slack-webhook-url'), channel: '#shop-alerts', sendResolved: true }],
      },
      { name: 'warning', slackConfigs: [{ apiURL: secret('slack-webhook-url'), channel: '#shop-alerts', sendResolved: true }] },
      {
        name: 'info',
        emailConfigs: [{
          to: 'ops@shop.example.com', from: 'alertmanager@fleet-platform.dev', smarthost: 'smtp-relay.gmail.com:587',
          authUsername: 'alertmanager@fleet-platform.dev', authPassword: secret('smtp-password'), requireTLS: true, sendResolved: false,
        }],
      },
    ]);
  });

  test('the pager is within the documents\' minute: group_wait at most 10 s, regrouped and repeated sooner than warnings', () => {
    const s = (d: string) => durationSeconds(d)!;
    expect(s(ROUTE_TIMING.critical.groupWait)).toBeLessThanOrEqual(10);
    expect(s(ROUTE_TIMING.critical.groupInterval)).toBeLessThan(s(ROUTE_TIMING.warning.groupInterval));
    expect(s(ROUTE_TIMING.critical.repeatInterval)).toBeLessThan(s(ROUTE_TIMING.warning.repeatInterval));
    expect(s(ROUTE_TIMING.warning.groupWait)).toBeLessThan(s(ROUTE_TIMING.info.groupWait));
  });

  test('a firing critical mutes the warnings and infos of its family for the same job and target', () => {
    const { chart } = shop();
    expect(find(objects(chart), 'AlertmanagerConfig', 'shop').spec.inhibitRules).toEqual([{
      sourceMatch: [{ name: 'severity', value: 'critical', matchType: '=' }, { name: 'family', value: '.+', matchType: '=~' }],
      targetMatch: [{ name: 'severity', value: 'warning|info', matchType: '=~' }, { name: 'family', value: '.+', matchType: '=~' }],
      equal: ['family', 'job', 'instance'],
    }]);
  });

  test('credentials come from one Secret, which the system\'s ExternalSecret fetches with exactly the keys read: no pager key where criticals do not page', () => {
    const keys = (env: EnvironmentName) => find(objects(shop(env).chart), 'ExternalSecret', 'alertmanager-receivers').spec.data.map((d: any) => d.secretKey);
    expect(keys('production')).toEqual([RECEIVER_KEYS.pagerduty, RECEIVER_KEYS.slack, RECEIVER_KEYS.smtp]);
    expect(keys('staging')).toEqual([RECEIVER_KEYS.slack, RECEIVER_KEYS.smtp]);
    const critical = find(objects(shop('dev').chart), 'AlertmanagerConfig', 'shop').spec.receivers[0];
    expect(critical.pagerdutyConfigs).toBeUndefined();
    expect(critical.slackConfigs).toHaveLength(1);
  });

  test.each([
    ['a channel without "#"', { chatChannel: 'shop-alerts' }, 'chatChannel "shop-alerts" is not a Slack channel. Fix: write "#" and a lowercase channel name'],
    ['an e-mail without a domain', { email: 'ops' }, 'email "ops" is not an e-mail address'],
    ['a response time in words', { responseTime: { critical: 'a minute' } }, 'responseTime.critical "a minute" is not a positive Prometheus duration'],
  ] as Array<[string, Partial<AlertRoutingProps>, string]>)('refuses %s, naming the construct', (_what, props, message) => {
    expect(() => shop('production', props)).toThrow(`production-shop/routing: ${message}`);
  });

  test('an alert that cannot notify within its severity\'s response time is refused at synth, with the sum', () => {
    const groups: AlertGroupSpec[] = [{ name: 'shop', alerts: [alert({ for: '2m' }), alert({ alert: 'ShopSlow', severity: 'warning', for: '10m' })] }];
    const { app } = shop('production', { responseTime: { critical: '1m' } }, groups);
    expect(() => validateApp(app)).toThrow('production-shop/routing: critical alert ShopDown (production-shop/alerts) can take 160s to notify '
      + '(evaluation every 30s + for 2m + group_wait 10s), more than the 1m the system promises. Fix: shorten its "for"');
    // No bound for warnings: the ten minutes are fine.
    const fast: AlertGroupSpec[] = [{ name: 'shop', interval: '15s', alerts: [alert(), alert({ alert: 'ShopSlow', severity: 'warning', for: '10m' })] }];
    expect(() => validateApp(shop('production', { responseTime: { critical: '1m' } }, fast).app)).not.toThrow();
  });
});

describe('the README\'s Alerts section', () => {
  test('where each severity goes and how soon, every alert with its timing; nothing for a system without alerts', () => {
    const { chart } = shop('dev', {}, [{ name: 'g', interval: '15s', alerts: [alert(), alert({ alert: 'ShopSlow', severity: 'warning', for: '5m' })] }]);
    const text = alertInventory(objects(chart));
    expect(text).toContain('| critical | Slack #shop-alerts | 10s (group_wait) | 1m / 1h |');
    expect(text).toContain('| info | e-mail ops@shop.example.com | 5m (group_wait) | 30m / 24h |');
    expect(text).toContain('| ShopSlow | warning | 15s | 5m | g | shop-alerts |');
    expect(alertInventory(objects(new SystemChart(new App({ outdir: '/dev/null' }), { environment: new Environment(ENVIRONMENTS.dev), system: 'x' })))).toBe('');
  });
});

describe('AlertRules labels every alert for the routing', () => {
  test('namespace, system, environment and severity are set; family where given; an alert cannot set them itself', () => {
    const { chart } = shop('staging', {}, [{ name: 'g', alerts: [alert({ family: 'availability' })] }]);
    expect(find(objects(chart), 'PrometheusRule', 'shop-alerts').spec.groups[0].rules[0].labels)
      .toEqual({ severity: 'critical', system: 'shop', environment: 'staging', namespace: 'shop', family: 'availability' });
    expect(() => shop('production', {}, [{ name: 'g', alerts: [alert({ labels: { namespace: 'billing' } })] }]))
      .toThrow('production-shop/alerts: alert ShopDown sets label "namespace", which AlertRules sets itself (routing matches on it). Fix: remove it');
    expect(() => shop('production', {}, [{ name: 'g', alerts: [alert({ family: 'not a label' })] }]))
      .toThrow('production-shop/alerts: alert ShopDown family "not a label" is not a valid label value');
  });
});

describe('the fleet\'s routing (dist/)', () => {
  const read = (file: string) => parse(fs.readFileSync(file, 'utf8'));
  const systems = (env: string) => fs.readdirSync(path.join(dist, env))
    .filter(s => fs.readdirSync(path.join(dist, env, s)).some(f => f.startsWith('prometheusrule-')));

  test.each(ENVS.flatMap(env => systems(env).map(s => [env, s])))('%s/%s: every alert\'s severity has a route in its namespace\'s AlertmanagerConfig', (env, system) => {
    const dir = path.join(dist, env, system);
    const configs = fs.readdirSync(dir).filter(f => f.startsWith('alertmanagerconfig-')).map(f => read(path.join(dir, f)));
    expect(configs).toHaveLength(1);
    const routed = new Set(configs[0].spec.route.routes.flatMap((r: any) => r.matchers.filter((m: any) => m.name === 'severity').map((m: any) => m.value)));
    const receivers = new Set(configs[0].spec.receivers.map((r: any) => r.name));
    for (const f of fs.readdirSync(dir).filter(x => x.startsWith('prometheusrule-'))) {
      const rule = read(path.join(dir, f));
      expect(rule.metadata.namespace).toBe(configs[0].metadata.namespace);
      for (const r of rule.spec.groups.flatMap((g: any) => g.rules).filter((x: any) => x.alert)) {
        expect([r.alert, routed.has(r.labels.severity)]).toEqual([r.alert, true]);
      }
    }
    for (const r of configs[0].spec.route.routes) { expect(receivers.has(r.receiver)).toBe(true); }
  });

  test('criticals page only in production: dev and staging post them to chat', () => {
    for (const env of ENVS) {
      for (const system of systems(env)) {
        const dir = path.join(dist, env, system);
        const config = read(path.join(dir, fs.readdirSync(dir).find(f => f.startsWith('alertmanagerconfig-'))!));
        expect([`${env}/${system}`, config.spec.receivers[0].pagerdutyConfigs !== undefined]).toEqual([`${env}/${system}`, env === 'production']);
      }
    }
  });
});
