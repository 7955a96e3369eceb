import { byCodeUnit } from '../core/checks';
import { DEFAULT_EVALUATION_INTERVAL } from './alert-routing';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Where one receiver of an AlertmanagerConfig delivers, in words. */
function deliveries(receiver: any): string[] {
  return [
    ...(receiver.pagerdutyConfigs ?? []).map(() => 'PagerDuty'),
    ...(receiver.slackConfigs ?? []).map((c: any) => `Slack ${c.channel ?? ''}`.trim()),
    ...(receiver.emailConfigs ?? []).map((c: any) => `e-mail ${c.to}`),
    ...(receiver.webhookConfigs ?? []).map(() => 'webhook'),
  ];
}

/**
 * The Alerts section of a system's README: where each severity is delivered and how soon
 * (from its AlertmanagerConfig), every alert with its severity, `for`, evaluation interval
 * and group (from its PrometheusRules), and what the endpoint Probes probe. Drawn from the rendered
 * objects, like the traffic map. Empty when the system renders no alert, route or probe.
 */
export function alertInventory(objects: readonly any[]): string {
  const configs = objects.filter(o => o.kind === 'AlertmanagerConfig');
  const rules = objects.filter(o => o.kind === 'PrometheusRule').sort((a, b) => byCodeUnit(a.metadata.name, b.metadata.name));
  const probes = objects.filter(o => o.kind === 'Probe').sort((a, b) => byCodeUnit(a.metadata.name, b.metadata.name));
  if (!configs.length && !rules.length && !probes.length) { return ''; }
  const out: string[] = ['## Alerts', ''];
  for (const c of configs) {
    out.push(`AlertmanagerConfig \`${c.metadata.name}\` routes this namespace's alerts by severity `
      + '(a critical alert of a family mutes the warnings and infos of that family for the same job and target):', '');
    out.push('| Severity | Delivered to | First notice after | Regrouped / repeated every |', '|---|---|---|---|');
    for (const r of c.spec.route.routes ?? []) {
      const severity = (r.matchers ?? []).find((m: any) => m.name === 'severity')?.value ?? '(any)';
      const receiver = (c.spec.receivers ?? []).find((x: any) => x.name === r.receiver);
      out.push(`| ${cell(severity)} | ${cell(deliveries(receiver ?? {}).join(', ') || '–')} | ${r.groupWait ?? '–'} (group_wait) | ${r.groupInterval ?? '–'} / ${r.repeatInterval ?? '–'} |`);
    }
    out.push('');
  }
  if (rules.length) {
    // One row per alert, timing and group: an SLO's burn-rate rules of one severity and
    // objective (two window pairs each) read as one.
    const rows: { cells: string[]; count: number }[] = [];
    for (const o of rules) {
      for (const g of o.spec.groups ?? []) {
        for (const r of (g.rules ?? []).filter((x: any) => x.alert)) {
          const severity = `${r.labels?.severity ?? '–'}${r.labels?.priority ? ` (${r.labels.priority})` : ''}`;
          const cells = [r.alert, severity, g.interval ?? `${DEFAULT_EVALUATION_INTERVAL} (default)`, r.for ?? '0s', g.name, o.metadata.name].map(cell);
          const last = rows[rows.length - 1];
          if (last && last.cells.join('\0') === cells.join('\0')) { last.count++; } else { rows.push({ cells, count: 1 }); }
        }
      }
    }
    out.push('| Alert | Severity | Evaluated every | For | Group | PrometheusRule |', '|---|---|---|---|---|---|');
    for (const { cells: [alert, ...rest], count } of rows) {
      out.push(`| ${alert}${count > 1 ? ` (${count} rules)` : ''} | ${rest.join(' | ')} |`);
    }
    out.push('');
  }
  if (probes.length) {
    out.push('Endpoint probes (the platform\'s blackbox exporter, from inside the cluster):', '');
    out.push('| Probe | Module | Every | Targets |', '|---|---|---|---|');
    for (const p of probes) {
      const targets: string[] = p.spec.targets?.staticConfig?.static ?? [];
      out.push(`| ${p.metadata.name} | ${p.spec.module ?? '–'} | ${p.spec.interval ?? '–'} | ${targets.map(t => `\`${cell(t)}\``).join(', ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
