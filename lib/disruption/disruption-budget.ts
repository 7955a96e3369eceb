import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { fail } from '../core/errors';
import { namespacedMeta } from '../core/metadata';

/** How many pods a voluntary disruption (node drain, upgrade) must leave. Give exactly one. */
export interface DisruptionSpec {
  /**
   * Pods that must stay available: a count or a percentage such as "50%".
   * @default - unset (use maxUnavailable)
   */
  readonly minAvailable?: number | string;
  /**
   * Pods that may be unavailable at once: a count or a percentage.
   * @default - unset (use minAvailable)
   */
  readonly maxUnavailable?: number | string;
}

export interface DisruptionBudgetProps extends DisruptionSpec {
  /** PDB name. */
  readonly name: string;
  /** Labels for the PDB object. */
  readonly labels: Record<string, string>;
  /** Pod labels it protects (the workload's selector). */
  readonly selector: Record<string, string>;
  /**
   * The fewest replicas the workload ever runs (HPA minReplicas or fixed replicas).
   * A budget that can never allow a disruption is refused: it blocks every node drain.
   */
  readonly minReplicas: number;
}

function asAmount(value: number | string, of: number): number {
  if (typeof value === 'number') {
    return value;
  }
  return Math.ceil((Number(value.slice(0, -1)) / 100) * of);
}

/** Checks a disruption spec against the workload's smallest size. */
export function checkDisruption(scope: Construct, spec: DisruptionSpec, minReplicas: number): void {
  const given = [spec.minAvailable, spec.maxUnavailable].filter(v => v !== undefined);
  if (given.length !== 1) {
    fail(scope, 'a disruption budget needs exactly one of minAvailable and maxUnavailable',
      'set minAvailable (e.g. 1) or maxUnavailable (e.g. 1), not both');
  }
  for (const [key, v] of [['minAvailable', spec.minAvailable], ['maxUnavailable', spec.maxUnavailable]] as const) {
    if (v === undefined) { continue; }
    const ok = typeof v === 'number' ? Number.isInteger(v) && v >= 0 : /^(100|[1-9]?[0-9])%$/.test(v);
    if (!ok) {
      fail(scope, `disruption budget ${key} "${v}" is not a whole number or a percentage`, 'use e.g. 1 or "25%"');
    }
  }
  if (spec.minAvailable !== undefined && asAmount(spec.minAvailable, minReplicas) >= minReplicas) {
    fail(scope, `disruption budget minAvailable ${spec.minAvailable} is not below the minimum replica count ${minReplicas}, so no pod could ever be evicted and node drains would hang`,
      `lower minAvailable below ${minReplicas}, or raise the minimum replicas above ${spec.minAvailable}`);
  }
  if (spec.maxUnavailable !== undefined && asAmount(spec.maxUnavailable, minReplicas) < 1) {
    fail(scope, `disruption budget maxUnavailable ${spec.maxUnavailable} allows no disruption, so node drains would hang`,
      'allow at least one pod to be unavailable (maxUnavailable: 1)');
  }
}

/** A policy/v1 PodDisruptionBudget that always leaves room for at least one eviction. */
export class DisruptionBudget extends Construct {
  public readonly pdb: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    checkDisruption(this, props, props.minReplicas);
    const amount = (v: number | string) => typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
    this.pdb = new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, props.labels),
      spec: {
        selector: { matchLabels: props.selector },
        ...(props.minAvailable !== undefined ? { minAvailable: amount(props.minAvailable) } : {}),
        ...(props.maxUnavailable !== undefined ? { maxUnavailable: amount(props.maxUnavailable) } : {}),
        // Evict pods that never became ready even when the budget is spent: they serve nothing.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
