import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { checkDnsLabel, checkPositiveInt, checkUtilization, checkUnique } from '../core/checks';
import { fail } from '../core/errors';
import { namespacedMeta } from '../core/metadata';
import { parseQuantity } from '../core/quantity';

/** A per-pod custom metric (Pods type) served by the custom metrics API, e.g. via prometheus-adapter. */
export interface PodsMetricSpec {
  /**
   * Metric name, e.g. `http_requests_per_second`. The name says which series the pods expose
   * ({@link podsMetricSource}): `<name>_per_second` is the per-second rate of the counter
   * `<name>_total`; any other name is a gauge exposed under that name. The platform's
   * prometheus-adapter serves exactly these (lib/platform/prometheus-adapter.ts).
   */
  readonly metric: string;
  /** Target average value per pod, e.g. 1000 or "500m". */
  readonly averageValue: number | string;
}

/** Where a Pods metric comes from: the series the pods expose, and how it becomes the metric. */
export interface PodsMetricSource {
  /** The series the pods expose, e.g. `http_requests_total`. */
  readonly series: string;
  /** A counter is turned into its per-second rate; a gauge is used as it is. */
  readonly type: 'counter' | 'gauge';
}

/**
 * The series a Pods metric is computed from, by the name's convention (the one
 * prometheus-adapter's own default rules follow): `<name>_per_second` is the rate of the
 * counter `<name>_total`, e.g. `http_requests_per_second` from `http_requests_total`;
 * any other name is a gauge of that name, e.g. `websocket_active_connections`.
 */
export function podsMetricSource(metric: string): PodsMetricSource {
  const rate = /^(.+)_per_second$/.exec(metric);
  return rate ? { series: `${rate[1]}_total`, type: 'counter' } : { series: metric, type: 'gauge' };
}

/** How fast the autoscaler may move in one direction. */
export interface ScalingRulesSpec {
  /**
   * Seconds of recommendations to look back on before acting (damps flapping).
   * @default - 0 for scale up, 300 for scale down (Kubernetes defaults)
   */
  readonly stabilizationWindowSeconds?: number;
  /**
   * At most this percentage of current replicas per period.
   * @default - no percent policy
   */
  readonly percent?: number;
  /**
   * At most this many pods per period.
   * @default - no pods policy
   */
  readonly pods?: number;
  /**
   * Length of a policy period in seconds.
   * @default 60
   */
  readonly periodSeconds?: number;
  /**
   * With both policies, take the one allowing the larger (Max) or smaller (Min) change;
   * Disabled turns scaling in this direction off.
   * @default 'Max'
   */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
}

/** HorizontalPodAutoscaler settings. */
export interface AutoscalingSpec {
  /** Fewest replicas; at least 1 (2 in highly available environments). */
  readonly minReplicas: number;
  /** Most replicas; at least minReplicas. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilization, percent of the request.
   * @default - not a scaling signal
   */
  readonly cpuUtilization?: number;
  /**
   * Target average memory utilization, percent of the request.
   * @default - not a scaling signal
   */
  readonly memoryUtilization?: number;
  /**
   * Custom per-pod metrics.
   * @default - none
   */
  readonly podsMetrics?: PodsMetricSpec[];
  /**
   * Scale-up behaviour.
   * @default - Kubernetes defaults
   */
  readonly scaleUp?: ScalingRulesSpec;
  /**
   * Scale-down behaviour.
   * @default - Kubernetes defaults
   */
  readonly scaleDown?: ScalingRulesSpec;
}

export interface AutoscalerProps extends AutoscalingSpec {
  /** HPA name (the target's name). */
  readonly name: string;
  /** Labels for the HPA object. */
  readonly labels: Record<string, string>;
  /** The scaled workload. */
  readonly target: { readonly apiVersion: string; readonly kind: string; readonly name: string };
}

/** Checks an autoscaling spec; shared by every construct that accepts one. */
export function checkAutoscaling(scope: Construct, spec: AutoscalingSpec): void {
  checkPositiveInt(scope, 'autoscaling.minReplicas', spec.minReplicas);
  checkPositiveInt(scope, 'autoscaling.maxReplicas', spec.maxReplicas);
  if (spec.minReplicas > spec.maxReplicas) {
    fail(scope, `autoscaling.minReplicas ${spec.minReplicas} is greater than maxReplicas ${spec.maxReplicas}`,
      'make minReplicas less than or equal to maxReplicas');
  }
  if (spec.cpuUtilization !== undefined) { checkUtilization(scope, 'autoscaling.cpuUtilization', spec.cpuUtilization); }
  if (spec.memoryUtilization !== undefined) { checkUtilization(scope, 'autoscaling.memoryUtilization', spec.memoryUtilization); }
  const pods = spec.podsMetrics ?? [];
  if (spec.cpuUtilization === undefined && spec.memoryUtilization === undefined && pods.length === 0) {
    fail(scope, 'autoscaling has no metric', 'set cpuUtilization, memoryUtilization or podsMetrics');
  }
  checkUnique(scope, 'autoscaling pods metric', pods.map(p => p.metric));
  for (const p of pods) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(p.metric)) {
      fail(scope, `autoscaling metric "${p.metric}" is not a metric name`, 'use a Prometheus-style name such as http_requests_per_second');
    }
    // A counter only grows: as a per-pod target it would scale up forever and never down.
    if (/_total$/.test(p.metric)) {
      fail(scope, `autoscaling metric "${p.metric}" is a counter`,
        `target its rate instead: "${p.metric.replace(/_total$/, '_per_second')}" (the platform's prometheus-adapter serves it from ${p.metric})`);
    }
    // The API server refuses a zero or negative target: the HPA would divide by it.
    const positive = typeof p.averageValue === 'number'
      ? Number.isFinite(p.averageValue) && p.averageValue > 0
      : parseQuantity(scope, `autoscaling metric ${p.metric} averageValue`, p.averageValue) > 0;
    if (!positive) {
      fail(scope, `autoscaling metric ${p.metric} averageValue "${p.averageValue}" is not a positive quantity`,
        'give a positive number such as 1000 or "500m"');
    }
  }
  for (const [dir, rules] of [['scaleUp', spec.scaleUp], ['scaleDown', spec.scaleDown]] as const) {
    if (!rules) { continue; }
    if (rules.stabilizationWindowSeconds !== undefined
      && (!Number.isInteger(rules.stabilizationWindowSeconds) || rules.stabilizationWindowSeconds < 0 || rules.stabilizationWindowSeconds > 3600)) {
      fail(scope, `autoscaling.${dir}.stabilizationWindowSeconds ${rules.stabilizationWindowSeconds} is outside 0-3600`,
        'use a whole number of seconds up to one hour');
    }
    if (rules.percent !== undefined) { checkPositiveInt(scope, `autoscaling.${dir}.percent`, rules.percent); }
    if (rules.pods !== undefined) { checkPositiveInt(scope, `autoscaling.${dir}.pods`, rules.pods); }
    if (rules.periodSeconds !== undefined
      && (!Number.isInteger(rules.periodSeconds) || rules.periodSeconds < 1 || rules.periodSeconds > 1800)) {
      fail(scope, `autoscaling.${dir}.periodSeconds ${rules.periodSeconds} is outside 1-1800`, 'use 1 to 1800 seconds');
    }
    if (rules.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
      fail(scope, `autoscaling.${dir}.selectPolicy "${rules.selectPolicy}" is not Max, Min or Disabled`,
        'write it capitalized: "Max", "Min" or "Disabled"');
    }
    if (dir === 'scaleDown' && rules.percent !== undefined && rules.percent > 100) {
      fail(scope, `autoscaling.scaleDown.percent ${rules.percent} is above 100`, 'a scale-down policy removes at most 100% of pods');
    }
  }
}

function renderRules(rules: ScalingRulesSpec | undefined): k8s.HpaScalingRulesV2 | undefined {
  if (!rules) {
    return undefined;
  }
  const period = rules.periodSeconds ?? 60;
  const policies: k8s.HpaScalingPolicyV2[] = [];
  if (rules.percent !== undefined) { policies.push({ type: 'Percent', value: rules.percent, periodSeconds: period }); }
  if (rules.pods !== undefined) { policies.push({ type: 'Pods', value: rules.pods, periodSeconds: period }); }
  return {
    ...(rules.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: rules.stabilizationWindowSeconds } : {}),
    ...(policies.length ? { policies, selectPolicy: rules.selectPolicy ?? 'Max' } : {}),
    // Without policies the API server fills in its defaults; an explicit selectPolicy still applies.
    ...(!policies.length && rules.selectPolicy ? { selectPolicy: rules.selectPolicy } : {}),
  };
}

/**
 * An autoscaling/v2 HorizontalPodAutoscaler. Its target must leave spec.replicas unset,
 * so that Argo CD and the HPA never fight over it.
 */
export class Autoscaler extends Construct {
  public readonly hpa: k8s.KubeHorizontalPodAutoscalerV2;

  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    checkDnsLabel(this, 'autoscaler name', props.name);
    checkAutoscaling(this, props);
    const metrics: k8s.MetricSpecV2[] = [];
    if (props.cpuUtilization !== undefined) {
      metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.cpuUtilization } } });
    }
    if (props.memoryUtilization !== undefined) {
      metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: props.memoryUtilization } } });
    }
    for (const p of props.podsMetrics ?? []) {
      metrics.push({
        type: 'Pods',
        pods: {
          metric: { name: p.metric },
          target: {
            type: 'AverageValue',
            averageValue: typeof p.averageValue === 'number'
              ? k8s.Quantity.fromNumber(p.averageValue) : k8s.Quantity.fromString(p.averageValue),
          },
        },
      });
    }
    const scaleUp = renderRules(props.scaleUp);
    const scaleDown = renderRules(props.scaleDown);
    this.hpa = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, props.labels),
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics,
        ...(scaleUp || scaleDown ? { behavior: { ...(scaleUp ? { scaleUp } : {}), ...(scaleDown ? { scaleDown } : {}) } } : {}),
      },
    });
  }
}
