import { manifestFileName } from '../render/manifest-path';
import { DASHBOARD_LABEL, FOLDER_ANNOTATION } from './dashboard';
import { BURN_ALERT } from './service-level';

/**
 * The "Observability" section of a system's README (the page with its traffic map): every
 * dashboard with its panels and queries, every SLO and every alert, with the file each lives
 * in — drawn from the rendered objects, like the map, so a reviewer reads a dashboard change
 * without a Grafana.
 */

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${cell(s)}\``;

interface Panel { title: string; type: string; targets?: { expr: string; legendFormat?: string }[] }

/** The section, or '' when the system has no dashboards, SLOs or alerts. */
export function observabilitySummary(objects: readonly any[]): string {
  const dashboards = objects.filter(o => o.kind === 'ConfigMap' && o.metadata.labels?.[DASHBOARD_LABEL] !== undefined);
  const rules = objects.filter(o => o.kind === 'PrometheusRule');
  if (dashboards.length === 0 && rules.length === 0) { return ''; }
  const out = [
    '## Observability',
    '',
    'Generated from the same objects. Dashboards are ConfigMaps that the Grafana of the monitoring stack',
    'loads through its dashboard sidecar (label `grafana_dashboard: "1"`, folder from the `grafana_folder`',
    'annotation); alerts and SLOs are PrometheusRules that Prometheus selects by the environment\'s labels.',
    '',
  ];
  if (dashboards.length) {
    out.push('### Dashboards', '', '| dashboard | Grafana uid | folder | panels | file |', '| --- | --- | --- | --- | --- |');
    const models = dashboards.flatMap(cm => Object.values(cm.data as Record<string, string>).map(json => ({ cm, d: JSON.parse(json) })));
    for (const { cm, d } of models) {
      const panels = (d.panels as Panel[]).filter(p => p.type !== 'row');
      out.push(`| ${cell(d.title)} | \`${d.uid}\` | ${cell(cm.metadata.annotations?.[FOLDER_ANNOTATION] ?? '–')} | ${panels.length} | ${manifestFileName(cm)} |`);
    }
    out.push('');
    for (const { d } of models) {
      const panels = (d.panels as Panel[]).filter(p => p.type !== 'row').length;
      out.push(`#### ${d.title}`, '', cell(d.description ?? ''), '', `<details><summary>${panels} panels and their queries</summary>`, '',
        '| row | panel | queries |', '| --- | --- | --- |');
      let row = '';
      for (const p of d.panels as Panel[]) {
        if (p.type === 'row') { row = p.title; continue; }
        const queries = (p.targets ?? []).map(t => `${t.legendFormat ? `${cell(t.legendFormat)}: ` : ''}${code(t.expr)}`).join('<br>');
        out.push(`| ${cell(row)} | ${cell(p.title)} | ${queries} |`);
      }
      out.push('', '</details>', '');
    }
  }
  const sloRules = rules.filter(r => r.spec.groups.some((g: any) => g.rules.some((x: any) => x.alert === BURN_ALERT)));
  if (sloRules.length) {
    out.push('### Service level objectives', '',
      'Error ratios over 5m … 3d as recording rules (`slo:sli_error:ratio_rate<window>`) and one `ErrorBudgetBurn` alert per',
      'window pair: a page (critical) at 14.4× the budget rate over 1h and 5m or 6× over 6h and 30m, a ticket (warning)',
      'at 3× over 1d and 2h or 1× over 3d and 6h.', '',
      '| service | objective | measured | file |', '| --- | --- | --- | --- |');
    const absent: string[] = [];
    for (const r of sloRules) {
      for (const g of r.spec.groups) {
        const burn = g.rules.find((x: any) => x.alert === BURN_ALERT && x.labels.long_window === '1h');
        const record = g.rules.find((x: any) => x.record);
        if (!burn || !record) {
          absent.push(...g.rules.filter((x: any) => x.alert).map((x: any) => `\`${x.alert}\` (${x.labels?.severity}, for ${x.for ?? '0s'}) of ${x.labels?.service}: ${code(x.expr)}`));
          continue;
        }
        const budget = Number(/\* ([\d.e-]+)\)/.exec(burn.expr)![1]);
        const service = record.labels.service;
        const slo = record.labels.slo;
        const expr: string = record.expr;
        const edges = [expr.includes('nginx_ingress_controller') && 'at the ingress controller', expr.includes('envoy_cluster_') && 'at the Gateway\'s proxies'].filter(Boolean);
        // Envoy's histogram counts milliseconds.
        const le = /le=~?"([\d.]+)/.exec(expr)?.[1];
        const ms = le === undefined ? undefined : expr.includes('nginx_ingress_controller') || !expr.includes('envoy_cluster_') ? Number(le) * 1000 : Number(le);
        const objective = `${slo} ${Number(((1 - budget) * 100).toPrecision(6))} %${ms !== undefined ? ` under ${ms} ms` : ''}`;
        const measured = edges.length ? edges.join(' and ')
          : `by the service (\`${slo === 'latency' ? 'http_request_duration_seconds' : 'http_requests_total'}\`)`;
        out.push(`| ${service} | ${objective} | ${measured} | ${manifestFileName(r)} |`);
      }
    }
    out.push('');
    if (absent.length) {
      out.push('An SLO measured at the Gateway also warns when its series are gone (the proxies unscraped, the route rules not programmed):', '',
        ...absent.map(a => `- ${a}`), '');
    }
  }
  if (rules.some(r => r.spec.groups.some((g: any) => g.rules.some((x: any) => x.alert)))) {
    out.push('The alerts, with their timing and where each severity is delivered: [Alerts](#alerts) above.', '');
  }
  return out.join('\n');
}
