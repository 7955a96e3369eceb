import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder, DatasourceVariableBuilder, RowBuilder, ThresholdsConfigBuilder, ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { SystemChart } from '../chart';
import { checkUnique } from '../core/checks';
import { fail } from '../core/errors';
import { stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { checkPromQL } from '../monitoring/promql';

/**
 * A Grafana dashboard as a ConfigMap that kube-prometheus-stack's Grafana loads through its
 * dashboard sidecar (k8s-sidecar watches ConfigMaps labelled `grafana_dashboard: "1"` and
 * writes each data key as a dashboard file). The JSON is built with Grafana's own
 * @grafana/grafana-foundation-sdk (classic dashboard schema, which file provisioning reads),
 * and every query is checked as PromQL before anything is written.
 */

/** The Grafana units the fleet's panels use. */
export type PanelUnit = 's' | 'ms' | 'bytes' | 'Bps' | 'percentunit' | 'short' | 'reqps' | 'ops' | 'dtdurations';

/** One PromQL query of a panel. */
export interface PanelQuery {
  /** PromQL; may use Grafana's `$__rate_interval` (and `$__interval`, `$__range`). */
  readonly expr: string;
  /**
   * Series legend, e.g. `{{job}}`.
   * @default - Grafana's (the series labels)
   */
  readonly legend?: string;
}

/** A horizontal line on a panel. */
export interface PanelThreshold {
  /** Where the line is, in the panel's unit. */
  readonly value: number;
  /** What it means, e.g. "SLO: 500 ms"; listed in the panel description. */
  readonly meaning: string;
}

/** One panel. */
export interface PanelSpec {
  /** Title, unique on its dashboard. */
  readonly title: string;
  /** What it shows and where its numbers come from. */
  readonly description: string;
  /**
   * Visualization.
   * @default 'timeseries'
   */
  readonly kind?: 'timeseries' | 'stat';
  /** The queries (at least one). */
  readonly queries: readonly PanelQuery[];
  /**
   * Unit of the values.
   * @default 'short'
   */
  readonly unit?: PanelUnit;
  /**
   * Lines for targets and alert thresholds.
   * @default - none
   */
  readonly thresholds?: readonly PanelThreshold[];
  /**
   * Lowest value of the axis (e.g. 0 for ratios).
   * @default - automatic
   */
  readonly min?: number;
}

/** A titled row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardProps {
  /** Grafana uid: unique across the Grafana, at most 40 characters, e.g. `novacron-production`. */
  readonly uid: string;
  /** Title, e.g. "NovaCron Production". */
  readonly title: string;
  /** What the dashboard is for and where it comes from (its design document). */
  readonly description: string;
  /** Grafana folder (the sidecar's `grafana_folder` annotation), e.g. the system. */
  readonly folder: string;
  /** Rows of panels, in order. */
  readonly rows: readonly RowSpec[];
  /**
   * Tags, e.g. the system and environment.
   * @default - none
   */
  readonly tags?: readonly string[];
  /**
   * Auto-refresh interval.
   * @default '30s' (the documents: "dashboard refresh 10-30 seconds")
   */
  readonly refresh?: string;
}

/** The label k8s-sidecar selects dashboards by (kube-prometheus-stack's `grafana.sidecar.dashboards.label`). */
export const DASHBOARD_LABEL = 'grafana_dashboard';
/** The annotation k8s-sidecar reads a dashboard's folder from (`grafana.sidecar.dashboards.folderAnnotation`). */
export const FOLDER_ANNOTATION = 'grafana_folder';
/**
 * Argo CD's client-side apply keeps a copy of the object in an annotation, and annotations
 * are limited to 256 KiB in total: a bigger dashboard would fail to sync.
 */
export const MAX_DASHBOARD_BYTES = 200 * 1024;

/**
 * kube-prometheus-stack's `grafana.sidecar.dashboards` values that load the rendered
 * dashboards: the namespaces holding them (the sidecar watches only Grafana's own by
 * default), and folders from the `grafana_folder` annotation.
 */
export function grafanaSidecarValues(objects: readonly any[]): Record<string, unknown> {
  const namespaces = [...new Set(objects
    .filter(o => o.kind === 'ConfigMap' && o.metadata?.labels?.[DASHBOARD_LABEL] !== undefined)
    .map(o => o.metadata.namespace as string))].sort();
  return {
    enabled: true, label: DASHBOARD_LABEL, labelValue: '1',
    ...(namespaces.length ? { searchNamespace: namespaces } : {}),
    folderAnnotation: FOLDER_ANNOTATION,
    provider: { foldersFromFilesStructure: true },
  };
}

/** Grafana's interval variables, and what a query is checked with in their place. */
export const GRAFANA_INTERVALS: Readonly<Record<string, string>> = { $__rate_interval: '5m', $__interval: '1m', $__range: '1h' };

/**
 * The query with Grafana's interval variables replaced by durations, as the checks (here and
 * in promtool, scripts/verify/promtool.js) read it; undefined when it uses another variable.
 */
function concreteQuery(expr: string): { expr: string } | { unknown: string } {
  let out = expr;
  for (const [name, value] of Object.entries(GRAFANA_INTERVALS)) { out = out.split(name).join(value); }
  const other = /\$\{?\w+/.exec(out);
  return other ? { unknown: other[0] } : { expr: out };
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** A dashboard ConfigMap for Grafana's sidecar. */
export class Dashboard extends Construct {
  public readonly configMap: k8s.KubeConfigMap;
  public readonly uid: string;
  public readonly title: string;
  public readonly rows: readonly RowSpec[];
  /** The dashboard JSON model, as Grafana reads it. */
  public readonly model: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    if (!/^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/.test(props.uid)) {
      fail(this, `dashboard uid "${props.uid}" is not 2-40 lowercase letters, digits and "-"`,
        'use a short name such as "<system>-<dashboard>" (Grafana limits uids to 40 characters)');
    }
    if (!props.title.trim() || !props.description.trim()) {
      fail(this, `dashboard ${props.uid} lacks a title or description`, 'say what it shows and which document asks for it');
    }
    if (props.rows.length === 0 || props.rows.some(r => r.panels.length === 0)) {
      fail(this, `dashboard ${props.uid} has a row without panels (or no row)`, 'remove the empty row, or declare what it should show');
    }
    checkUnique(this, `panel title on dashboard ${props.uid}`, props.rows.flatMap(r => r.panels.map(p => p.title)));
    for (const row of props.rows) {
      for (const panel of row.panels) {
        if (panel.queries.length === 0) {
          fail(this, `dashboard ${props.uid} panel "${panel.title}" has no query`, 'give it at least one PromQL query');
        }
        panel.queries.forEach((q, i) => checkPanelQuery(this, props.uid, panel.title, i, q.expr));
      }
    }
    this.uid = props.uid;
    this.title = props.title;
    this.rows = props.rows;

    const builder = new DashboardBuilder(props.title)
      .uid(props.uid)
      .description(props.description)
      .tags([...(props.tags ?? [])])
      .refresh(props.refresh ?? '30s')
      .time({ from: 'now-6h', to: 'now' })
      .timezone('utc')
      .readonly()
      .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
    let panelId = 1;
    for (const row of props.rows) {
      builder.withRow(new RowBuilder(row.title).id(panelId++));
      for (const panel of row.panels) {
        builder.withPanel(renderPanel(panel, panelId++));
      }
    }
    this.model = builder.build() as unknown as Record<string, unknown>;
    const json = `${JSON.stringify(this.model, null, 2)}\n`;
    if (Buffer.byteLength(json) > MAX_DASHBOARD_BYTES) {
      fail(this, `dashboard ${props.uid} is ${Buffer.byteLength(json)} bytes, more than ${MAX_DASHBOARD_BYTES}`,
        'split it into two dashboards: Argo CD\'s client-side apply keeps a copy of the ConfigMap in a 256 KiB annotation');
    }
    const name = `dashboard-${props.uid}`;
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: namespacedMeta(this, name, {
        ...stableLabels({ name, instance: name, component: 'dashboard', partOf: chart.system }),
        [DASHBOARD_LABEL]: '1',
      }, { [FOLDER_ANNOTATION]: props.folder }),
      // The sidecar writes each key as a file; the file name must be unique in the folder.
      data: { [`${props.uid}.json`]: json },
    });
  }
}

/** Refuses a panel query Prometheus would refuse, naming dashboard, panel and query. */
function checkPanelQuery(scope: Construct, uid: string, title: string, index: number, expr: string): void {
  const where = `dashboard ${uid} panel "${title}" query ${String.fromCharCode(65 + index)}`;
  const concrete = concreteQuery(expr);
  if ('unknown' in concrete) {
    fail(scope, `${where} uses the Grafana variable ${concrete.unknown}, which the dashboard does not define`,
      `use only ${Object.keys(GRAFANA_INTERVALS).join(', ')}; write the namespace and job as literals`);
  }
  const problem = checkPromQL(concrete.expr, ['vector', 'scalar']);
  if (problem) { fail(scope, `${where}: ${problem.problem}`, problem.fix); }
}

function renderPanel(panel: PanelSpec, id: number) {
  const targets = panel.queries.map((q, i) => {
    const t = new DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(DATASOURCE);
    return q.legend ? t.legendFormat(q.legend) : t;
  });
  const lines = panel.thresholds ?? [];
  const description = lines.length
    ? `${panel.description} Lines: ${lines.map(l => `${l.meaning} (${l.value})`).join('; ')}.`
    : panel.description;
  const thresholds = new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null as unknown as number, color: 'green' },
    ...lines.map(l => ({ value: l.value, color: 'red' })),
  ]);
  if (panel.kind === 'stat') {
    const p = new StatPanelBuilder().id(id).title(panel.title).description(description).datasource(DATASOURCE)
      .unit(panel.unit ?? 'short').thresholds(thresholds).height(6).span(6)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
    targets.forEach(t => p.withTarget(t));
    return p;
  }
  const p = new TimeseriesPanelBuilder().id(id).title(panel.title).description(description).datasource(DATASOURCE)
    .unit(panel.unit ?? 'short').thresholds(thresholds).height(8).span(12)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(lines.length ? common.GraphThresholdsStyleMode.Dashed : common.GraphThresholdsStyleMode.Off));
  if (panel.min !== undefined) { p.min(panel.min); }
  targets.forEach(t => p.withTarget(t));
  return p;
}
