import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { AlertRules, AlertSpec } from '../lib/monitoring/alert-rules';
import { durationSeconds } from '../lib/monitoring/duration';
import { Monitor } from '../lib/monitoring/service-monitor';
import { anyOf, checkGoTemplate, checkPromQL, metricNames } from '../lib/monitoring/promql';
import { BURN_ALERT, BURN_RATE_ALERTS, errorRatioRecord } from '../lib/observability/service-level';
import { testChart } from './util';

/**
 * Alerts: construct-time validation of PromQL, Go templates and durations, and the bookkeeping
 * around the promtool unit tests in test/alerts/ (promtool itself runs in
 * scripts/verify/promtool.js, never in jest: jest runs where promtool is not installed).
 */

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const ENVS = ['dev', 'staging', 'production'];

function read(file: string): any {
  return parse(fs.readFileSync(file, 'utf8'));
}

/** dist/<env>/<system>/<kind>-*.yaml objects of one system. */
function objectsOf(env: string, system: string, prefix: string): any[] {
  const dir = path.join(dist, env, system);
  return fs.readdirSync(dir).filter(f => f.startsWith(`${prefix}-`) && f.endsWith('.yaml')).sort().map(f => read(path.join(dir, f)));
}

function systemsWithRules(env: string): string[] {
  return fs.readdirSync(path.join(dist, env)).filter(s => fs.existsSync(path.join(dist, env, s)) &&
    fs.statSync(path.join(dist, env, s)).isDirectory() && objectsOf(env, s, 'prometheusrule').length > 0).sort();
}

function rulesOf(env: string, system: string): any[] {
  return objectsOf(env, system, 'prometheusrule').flatMap(o => o.spec.groups.flatMap((g: any) => g.rules));
}

describe('promtool unit tests in test/alerts/ cover every alert', () => {
  const testDir = path.join(root, 'test', 'alerts');
  const systems = systemsWithRules('production');

  test('there are PrometheusRules to cover', () => {
    expect(systems.length).toBeGreaterThan(0);
  });

  /** A system's test files: `<system>.test.yaml` and `<system>.<suite>.test.yaml` (e.g. the generated SLO tests). */
  const suitesOf = (system: string) => fs.readdirSync(testDir)
    .filter(f => f.endsWith('.test.yaml') && f.split('.')[0] === system).sort().map(f => read(path.join(testDir, f)));

  test.each(systems)('%s: each alert has a case that fires, one that must not, and one with none of its series', system => {
    const suites = suitesOf(system);
    expect(suites.length).toBeGreaterThan(0);
    // scripts/verify/promtool.js copies each test file next to the extracted production rules.
    expect(suites.flatMap(s => s.rule_files).sort()).toEqual(objectsOf('production', system, 'prometheusrule').map(o => `prometheusrule-${o.metadata.name}.yaml`).sort());
    const rules = rulesOf('production', system).filter(r => r.alert);
    const fires = new Set<string>();
    const silent = new Set<string>();
    // "Absent": a case whose input has none of the series the expression reads (no target was
    // ever discovered). A down alert must say so there; any other must stay silent, and the
    // case shows which.
    const absent = new Set<string>();
    for (const t of suites.flatMap(s => s.tests)) {
      const given = new Set((t.input_series ?? []).map((i: any) => String(i.series).replace(/\{.*$/, '')));
      for (const a of t.alert_rule_test ?? []) {
        (a.exp_alerts?.length ? fires : silent).add(a.alertname);
        const rule = rules.find(r => r.alert === a.alertname);
        if (rule && metricNames(rule.expr).every(m => !given.has(m))) { absent.add(a.alertname); }
      }
    }
    const alerts = [...new Set(rules.map(r => r.alert))].sort();
    expect(alerts.filter(a => !fires.has(a))).toEqual([]);
    expect(alerts.filter(a => !silent.has(a))).toEqual([]);
    // The burn-rate alerts' generated suites test every window pair instead (next test).
    expect(alerts.filter(a => !absent.has(a) && a !== BURN_ALERT)).toEqual([]);
    // And no test names an alert that no longer exists.
    expect([...fires, ...silent].filter(a => !alerts.includes(a))).toEqual([]);
  });

  test.each(systems)('%s: each burn-rate rule (service, objective, window pair) fires in one case and stays silent in another', system => {
    const key = (l: Record<string, string>) => `${l.service} ${l.slo} ${l.long_window}/${l.short_window}`;
    const rules = rulesOf('production', system).filter(r => r.alert === BURN_ALERT);
    const slos = rulesOf('production', system).filter(r => r.record === errorRatioRecord('5m')).map(r => `${r.labels.service} ${r.labels.slo}`);
    const wanted = slos.flatMap(s => BURN_RATE_ALERTS.map(a => `${s} ${a.long}/${a.short}`)).sort();
    expect(rules.map(r => `${r.expr.match(/service="([^"]+)"/)[1]} ${r.expr.match(/slo="([^"]+)"/)[1]} ${r.labels.long_window}/${r.labels.short_window}`).sort()).toEqual(wanted);
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const t of suitesOf(system).flatMap(s => s.tests)) {
      for (const a of (t.alert_rule_test ?? []).filter((x: any) => x.alertname === BURN_ALERT)) {
        const expected = new Set((a.exp_alerts ?? []).map((e: any) => key(e.exp_labels)));
        // A case is about the window pair its name starts with.
        const pair = (t.name as string).split(' ')[0];
        for (const w of wanted.filter(k => k.endsWith(` ${pair}`))) { (expected.has(w) ? fires : silent).add(w); }
      }
    }
    expect(wanted.filter(w => !fires.has(w))).toEqual([]);
    expect(wanted.filter(w => !silent.has(w))).toEqual([]);
  });

  test('no test file is left without its system', () => {
    const files = fs.readdirSync(testDir).filter(f => f.endsWith('.test.yaml')).map(f => f.split('.')[0]);
    expect([...new Set(files)].sort()).toEqual(systems);
  });

  test.each(systems)('%s: rules differ between environments only in the environment label, so production tests cover all', system => {
    // While a canary sends users to the preview, an SLO counts the preview's requests too.
    const uncanaried = (expr: string) => expr.replace(/job=~"([\w-]+)\|\1-preview"/g, 'job="$1"')
      .replace(/service=~"([\w-]+)\|\1-preview", ingress!="\1-preview"/g, 'service="$1"');
    // A service without metrics of its own has its SLO measured at the edge: at ingress-nginx
    // in dev, at the Gateway's proxies in staging and production. Where two environments'
    // edges differ, those rules are the same construct's, tested in test/observability.test.ts.
    const edgeOf = (env: string) => {
      const edges = new Map<string, string>();
      for (const r of rulesOf(env, system)) {
        const edge = /nginx_ingress_controller_/.test(r.expr) ? 'ingress-nginx' : /envoy_cluster_/.test(r.expr) ? 'gateway' : undefined;
        if (edge) { edges.set(r.labels.service, edge); }
      }
      return edges;
    };
    const strip = (env: string, other: string) => {
      const mine = edgeOf(env);
      const theirs = edgeOf(other);
      const differs = (service: string | undefined) => service !== undefined && mine.has(service) && mine.get(service) !== theirs.get(service);
      return rulesOf(env, system)
        .filter(r => !differs(r.labels?.service) && ![...mine.keys()].some(x => differs(x) && r.expr.includes(`service="${x}"`)))
        // A route with several hosts is named after each host, which has the environment in it:
        // only the route names in Envoy's cluster names differ.
        .map(r => JSON.parse(JSON.stringify({ ...r, expr: uncanaried(r.expr), labels: { ...r.labels, environment: undefined } })
          .replace(new RegExp(`(httproute/[a-z0-9-]+/[a-z0-9-]+)-${env}-`, 'g'), '$1-')));
    };
    for (const env of ENVS) {
      expect(rulesOf(env, system).filter(r => r.alert).every(r => r.labels.environment === env)).toBe(true);
      expect(strip(env, 'production')).toEqual(strip('production', env));
    }
  });
});

describe('alert expressions in dist/', () => {
  /**
   * Jobs Prometheus will have: a ServiceMonitor's job is the name of each Service it selects; a
   * PodMonitor's is the value of its jobLabel on the pods (the pods of operator-run datastores
   * are not in dist/, but the selector fixes the value), else `<namespace>/<name>`.
   */
  function scrapeJobs(env: string, system: string): string[] {
    const services = objectsOf(env, system, 'service');
    const byService = objectsOf(env, system, 'servicemonitor').flatMap(m => services
      .filter(s => Object.entries(m.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v))
      // The label selector's DoesNotExist expressions (a blue/green service's color Services are not scraped).
      .filter(s => (m.spec.selector.matchExpressions ?? []).every((e: any) => e.operator !== 'DoesNotExist' || s.metadata.labels?.[e.key] === undefined))
      .map(s => s.metadata.name));
    const byPod = objectsOf(env, system, 'podmonitor')
      .map(m => m.spec.selector.matchLabels?.[m.spec.jobLabel] ?? `${m.metadata.namespace}/${m.metadata.name}`);
    // A Probe's job is its jobName, else probe/<namespace>/<name> (prometheus-operator's generateProbeConfig).
    const byProbe = objectsOf(env, system, 'probe').map(p => p.spec.jobName ?? `probe/${p.metadata.namespace}/${p.metadata.name}`);
    return [...byService, ...byPod, ...byProbe].sort();
  }

  test.each(ENVS.flatMap(env => systemsWithRules(env).map(s => [env, s])))('%s/%s: every job an alert names is scraped', (env, system) => {
    const jobs = scrapeJobs(env, system);
    for (const r of rulesOf(env, system)) {
      for (const m of (r.expr as string).matchAll(/job="([^"]+)"/g)) {
        expect([r.alert, jobs.includes(m[1]) ? 'scraped' : m[1]]).toEqual([r.alert, 'scraped']);
      }
    }
  });

  test.each(ENVS.flatMap(env => systemsWithRules(env).map(s => [env, s])))('%s/%s: every alert is labelled with its namespace, so its system\'s routing receives it', (env, system) => {
    for (const o of objectsOf(env, system, 'prometheusrule')) {
      for (const r of o.spec.groups.flatMap((g: any) => g.rules)) {
        expect([r.alert, r.labels.namespace]).toEqual([r.alert, o.metadata.namespace]);
      }
    }
  });

  test.each(ENVS.flatMap(env => systemsWithRules(env).map(s => [env, s])))('%s/%s: a service-down alert covers the absence of every live job', (env, system) => {
    const down = rulesOf(env, system).find(r => /ServiceDown$/.test(r.alert));
    if (!down) { return; }
    const absent = [...(down.expr as string).matchAll(/absent\(up\{[^}]*job="([^"]+)"/g)].map(m => m[1]).sort();
    expect(absent.length).toBeGreaterThan(0);
    if (system === 'songnodes') {
      // The preview Services of blue/green pairs may select a color scaled to zero; the probes'
      // absence is the endpoint-down alert's (test/alerts/<system>.test.yaml).
      expect(absent).toEqual(scrapeJobs(env, system).filter(j => !j.endsWith('-preview') && !j.startsWith('probe/')));
    }
  });

  test('every rendered expression passes the construct-time PromQL check', () => {
    for (const env of ENVS) {
      for (const system of systemsWithRules(env)) {
        for (const r of rulesOf(env, system)) { expect([r.alert ?? r.record, checkPromQL(r.expr)]).toEqual([r.alert ?? r.record, undefined]); }
      }
    }
  });
});

describe('construct-time validation of alerts', () => {
  const good: AlertSpec = {
    alert: 'HighErrorRate', severity: 'critical', for: '5m',
    expr: 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
    summary: 'Error rate above 5% on {{ $labels.job }}',
    description: '{{ $value | humanizePercentage }} of requests fail.',
  };
  const build = (a: Partial<AlertSpec>, interval?: string) => new AlertRules(testChart(), 'alerts', {
    name: 'shop-alerts', groups: [{ name: 'g', ...(interval ? { interval } : {}), alerts: [{ ...good, ...a }] }],
  });
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** `^<path>: ` … the bad value … `Fix: ` … the fix. */
  const refused = (value: string, fix: string) => new RegExp(`^production-shop/alerts: .*${escape(value)}.*\\. Fix: .*${escape(fix)}`);

  test('a valid alert renders', () => {
    expect(build({}).rule.toJson().spec.groups[0].rules[0].expr).toBe(good.expr);
  });

  type Case = [title: string, alert: Partial<AlertSpec>, value: string, fix: string];
  const cases: Case[] = [
    ['unclosed parenthesis', { expr: 'sum(rate(x[5m]) > 1' }, 'sum(rate(x[5m]) > 1', 'add the missing ")"'],
    ['unknown function, nearest named', { expr: 'ratee(http_requests_total[5m]) > 1' }, 'ratee', 'use rate(…)'],
    ['misspelt aggregation', { expr: 'summ(up) == 0' }, 'summ', 'use sum(…)'],
    ['instant vector where rate needs a range', { expr: 'rate(http_requests_total) > 1' }, 'rate(http_requests_total)', 'rate(http_requests_total[5m])'],
    ['range vector in a comparison', { expr: 'http_requests_total[5m] > 1' }, 'http_requests_total[5m] > 1', 'wrap the range selector'],
    ['scalar comparison without bool', { expr: 'time() > 5' }, 'time() > 5', 'write "> bool"'],
    ['topk without its parameter', { expr: 'topk(up)' }, 'topk(up)', 'topk(scalar, vector)'],
    ['selector matching everything', { expr: '{job=~".*"} == 0' }, '{job=~".*"}', 'name the metric'],
    ['invalid regex', { expr: 'up{job=~"(api"} == 0' }, 'job=~"(api"', 'RE2'],
    ['experimental function', { expr: 'sort_by_label(up, "job")' }, 'sort_by_label', 'stable function'],
    ['too many arguments', { expr: 'round(up, 1, 2)' }, 'round(up, 1, 2)', 'round(vector, scalar)'],
    ['expression returning a range vector', { expr: 'up[5m]' }, 'up[5m]', 'rate() or max_over_time()'],
    ['unclosed template action', { description: 'Instance {{ $labels.instance is down' }, '{{ $labels.instance is down', 'close it with "}}"'],
    ['stray closing braces', { summary: 'Instance { $labels.instance }} is down' }, '{ $labels.instance }} is down', 'open the action with "{{"'],
    ['misspelt template function', { description: '{{ $value | humanisePercentage }}' }, 'humanisePercentage', 'use humanizePercentage'],
    ['undefined template variable', { summary: '{{ $label.job }} is down' }, '$label', 'use $labels'],
    ['if without end', { description: '{{ if gt $value 1.0 }}high' }, '{{ if gt $value 1.0 }}high', '{{ end }}'],
    ['template in a label value', { labels: { team: '{{ $labels.team' } }, '{{ $labels.team', 'close it with "}}"'],
    ['label name with a dash', { labels: { 'on-call': 'yes' } }, 'on-call', 'use letters, digits and underscores'],
    ['duration with a space', { for: '5 minutes' }, '5 minutes', 'e.g. "15s", "5m" or "1h30m"'],
    ['duration units out of order', { for: '30m1h' }, '30m1h', 'from largest to smallest'],
    ['duration without a unit', { for: '300' }, '300', 'y, w, d, h, m, s, ms'],
    ['negative duration', { for: '-5m' }, '-5m', 'y, w, d, h, m, s, ms'],
    ['fractional duration', { for: '1.5h' }, '1.5h', 'whole numbers'],
    ['absurd duration', { for: '999999y' }, '999999y', 'use a shorter duration'],
  ];
  test.each(cases)('%s is refused with path, value and fix', (_title, alert, value, fix) => {
    expect(() => build(alert)).toThrow(refused(value, fix));
  });

  test('a zero group interval is refused; a compound one is accepted', () => {
    expect(() => build({}, '0s')).toThrow(/^production-shop\/alerts: group g interval "0s" is zero\. Fix: /);
    expect(() => build({}, '1m30s')).not.toThrow();
  });

  test.each([
    ['for: 0s fires on the first evaluation', { for: '0s' }],
    ['for: 0 (as Prometheus writes it)', { for: '0' }],
    ['compound for', { for: '1h30m' }],
    ['every unit', { for: '1y2w3d4h5m6s7ms' }],
    ['subquery and offset', { expr: 'max_over_time(rate(http_requests_total[1m])[10m:1m] offset 5m) > 1' }],
    ['absent() or sum() == 0', { expr: 'sum by (job) (up{job="a"}) == 0 or absent(up{job="a"})' }],
    ['bool between scalars', { expr: 'vector(time() > bool 0)' }],
    ['case-insensitive regex flag', { expr: 'up{job=~"(?i)API"} == 0' }],
    ['label_join with several source labels', { expr: 'label_join(up, "x", ",", "a", "b", "c") == 0' }],
    ['template block with else and a variable', { description: '{{ with $v := $value }}{{ if gt $v 1.0 }}high{{ else }}low{{ end }}{{ end }}' }],
    ['template string containing braces', { description: '{{ printf "%s}}" $labels.job }}' }],
    ['template comment', { summary: '{{/* for the pager */}}Down' }],
  ] as Array<[string, Partial<AlertSpec>]>)('valid: %s', (_title, alert) => {
    expect(() => build(alert)).not.toThrow();
  });

  test('the scrape interval still refuses zero', () => {
    const chart = testChart();
    expect(() => new Monitor(chart, 'm', { name: 'm', labels: {}, serviceSelector: { a: 'b' }, servicePortNames: ['metrics'], interval: '0s' }))
      .toThrow(/^production-shop\/m: scrape interval "0s" is zero\. Fix: /);
  });
});

describe('Prometheus durations', () => {
  test.each([
    ['0', 0], ['0s', 0], ['15s', 15], ['5m', 300], ['1h30m', 5400], ['2d', 172800], ['1w', 604800], ['1y', 31536000], ['250ms', 0.25],
  ] as Array<[string, number]>)('%s is %d seconds', (value, seconds) => {
    expect(durationSeconds(value)).toBeCloseTo(seconds);
  });
  test.each(['', 's', '5', '5M', '1h 30m', '30m1h', '1.5h', '-1m', '5mins', '1d1d'])('%j is not a duration', value => {
    expect(durationSeconds(value)).toBeUndefined();
  });
});

describe('regex matchers of literal values', () => {
  test('metacharacters are escaped for the regex and the backslash for the PromQL string, so the query parses', () => {
    expect(anyOf(['web', 'api.v1', 'a+b'])).toBe('web|api\\\\.v1|a\\\\+b');
    expect(checkPromQL(`up{job=~"${anyOf(['api.v1', 'a(b)'])}"}`)).toBeUndefined();
    // One backslash alone is an escape the PromQL string does not know; a byte or code point out of range neither.
    expect(checkPromQL('up{job=~"api\\.v1"}')?.problem).toMatch(/has the escape sequence "\\\.".*which Prometheus does not accept/);
    expect(['"\\777"', '"\\uD800"', '"\\U00110000"', '"\\q"', "'\\\"'"].map(s => checkPromQL(`up{job=~${s}}`) !== undefined)).toEqual([true, true, true, true, true]);
    expect(['"\\377"', '"\\x41"', '"\\u00e9"', '"\\U0010FFFF"', '"\\""', '`a\\.b`'].map(s => checkPromQL(`up{job=~${s}}`))).toEqual(Array(6).fill(undefined));
  });
});

describe('Go template check', () => {
  test('an unclosed action says where', () => {
    expect(checkGoTemplate('a {{ $labels.instance')?.problem).toMatch(/unclosed action .* at character 3/);
  });
  test('a nested "{{" before "}}" is an unclosed action', () => {
    expect(checkGoTemplate('{{ $value {{ $labels.job }}')?.problem).toMatch(/unclosed action/);
  });
  test('Prometheus template functions are known', () => {
    expect(checkGoTemplate('{{ $value | humanize1024 }} {{ $labels.instance | stripPort }} {{ "1m" | parseDuration }} {{ externalURL }}')).toBeUndefined();
  });
});
