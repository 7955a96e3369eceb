import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Autoscaler, AutoscalingSpec, checkAutoscaling } from '../autoscaling/autoscaler';
import { Environment } from '../environments/environment';
import { checkPositiveInt } from '../core/checks';
import { fail } from '../core/errors';
import { namespacedMeta } from '../core/metadata';
import { ignoreKubeScoreCheck } from '../policy/kube-score-ignore';
import { DisruptionBudget, DisruptionSpec } from '../disruption/disruption-budget';
import { RenderedContainer } from './container';
import { renderPodSpec } from './pod';
import { SYNC_WAVE_ANNOTATION, SyncWave } from '../gitops/sync-waves';

export interface DeploymentWorkloadProps {
  /** Name of the Deployment, its HPA and its PDB. */
  readonly name: string;
  /** Labels of the Deployment, HPA and PDB objects. */
  readonly labels: Record<string, string>;
  /** Pod template labels (a superset of the selector). */
  readonly podLabels: Record<string, string>;
  /** The Deployment's (immutable) selector. */
  readonly selector: Record<string, string>;
  /** Rendered containers, main first. */
  readonly containers: RenderedContainer[];
  /**
   * Fixed replica count; exclusive with autoscaling. 0 keeps the Deployment but runs no pods.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * HorizontalPodAutoscaler; the Deployment then leaves spec.replicas to it.
   * @default - fixed replicas
   */
  readonly autoscaling?: AutoscalingSpec;
  /**
   * PodDisruptionBudget.
   * @default - none
   */
  readonly disruption?: DisruptionSpec;
  /**
   * Spread pods across nodes and zones.
   * @default - when more than one replica can run
   */
  readonly spread?: boolean;
  /**
   * The Argo CD sync wave of the Deployment, its HPA and its PDB.
   * @default - the workloads' wave (SyncWave.WORKLOADS)
   */
  readonly syncWave?: SyncWave;
  /**
   * ServiceAccount of the pods.
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
}

/** How many pods a stateless workload runs and what protects them, as asked for. */
export interface AvailabilitySpec {
  readonly replicas?: number;
  readonly autoscaling?: AutoscalingSpec;
  readonly disruptionBudget?: DisruptionSpec;
}

/**
 * Applies the environment's availability rules to a stateless workload: highly available
 * environments default to 2 replicas, refuse fewer, and always get a PDB; others default
 * to 1 replica, and get a `maxUnavailable: 1` PDB only when autoscaled.
 */
export function availabilityFor(scope: Construct, spec: AvailabilitySpec): { replicas?: number; disruption?: DisruptionSpec } {
  const env = Environment.of(scope);
  if (spec.autoscaling) {
    checkAutoscaling(scope, spec.autoscaling);
  }
  const ha = env.settings.highAvailability;
  const replicas = spec.autoscaling ? undefined : (spec.replicas ?? (ha ? 2 : 1));
  const minReplicas = spec.autoscaling?.minReplicas ?? replicas!;
  if (ha && minReplicas < 2) {
    fail(scope, `${spec.autoscaling ? 'autoscaling.minReplicas' : 'replicas'} is ${minReplicas} in ${env.name}, which must be highly available`,
      'run at least 2 replicas so a node loss or drain never takes the service down');
  }
  // Outside HA, an autoscaled workload still gets a PDB that lets one pod go at a time: it
  // never blocks a drain, and keeps a scaled-up service from losing every pod at once.
  const disruption = ha ? (spec.disruptionBudget ?? { maxUnavailable: 1 }) : spec.autoscaling ? { maxUnavailable: 1 } : undefined;
  return { replicas, disruption };
}

/** A Deployment with, optionally, its HorizontalPodAutoscaler and PodDisruptionBudget. */
export class DeploymentWorkload extends Construct {
  public readonly deployment: k8s.KubeDeployment;
  public readonly autoscaler?: Autoscaler;
  public readonly disruptionBudget?: DisruptionBudget;
  /** The fewest pods this workload runs. */
  public readonly minReplicas: number;
  /** The most pods this workload runs. */
  public readonly maxReplicas: number;

  constructor(scope: Construct, id: string, props: DeploymentWorkloadProps) {
    super(scope, id);
    if (props.autoscaling && props.replicas !== undefined) {
      fail(this, `both replicas (${props.replicas}) and autoscaling are set`,
        'remove replicas: the HorizontalPodAutoscaler owns the replica count');
    }
    if (!props.autoscaling && props.replicas !== undefined) {
      checkPositiveInt(this, 'replicas', props.replicas, 0);
    }
    this.minReplicas = props.autoscaling?.minReplicas ?? props.replicas ?? 1;
    this.maxReplicas = props.autoscaling?.maxReplicas ?? props.replicas ?? 1;
    const spread = props.spread ?? this.maxReplicas > 1;

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, props.labels),
      spec: {
        // Autoscaled: no spec.replicas, so Argo CD never resets what the HPA chose.
        ...(props.autoscaling ? {} : { replicas: props.replicas ?? 1 }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: props.selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels: props.podLabels },
          spec: renderPodSpec({ containers: props.containers, spreadSelector: spread ? props.selector : undefined, serviceAccountName: props.serviceAccountName }),
        },
      },
    });

    if (spread) {
      ignoreKubeScoreCheck(this.deployment, 'deployment-has-host-podantiaffinity',
        'pods are spread by a DoNotSchedule topology spread constraint on kubernetes.io/hostname, which is stronger than a preferred podAntiAffinity');
    }
    if (!props.autoscaling && this.minReplicas < 2) {
      const env = Environment.of(this);
      ignoreKubeScoreCheck(this.deployment, 'deployment-replicas', this.minReplicas === 0
        ? 'scaled to zero on purpose (an idle blue/green color): it serves no traffic'
        : `${env.name} runs single replicas by design (highAvailability: false); highly available environments refuse fewer than 2`);
    }

    if (props.autoscaling) {
      this.autoscaler = new Autoscaler(this, 'autoscaler', {
        ...props.autoscaling,
        name: props.name,
        labels: props.labels,
        target: { apiVersion: k8s.KubeDeployment.GVK.apiVersion, kind: k8s.KubeDeployment.GVK.kind, name: props.name },
      });
      if (props.autoscaling.minReplicas < 2) {
        ignoreKubeScoreCheck(this.autoscaler.hpa, 'horizontalpodautoscaler-replicas',
          `${Environment.of(this).name} scales down to one replica by design (highAvailability: false); highly available environments refuse a minimum below 2`);
      }
    }
    if (props.disruption) {
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', {
        ...props.disruption,
        name: props.name,
        labels: props.labels,
        selector: props.selector,
        minReplicas: this.minReplicas,
      });
    }
    if (props.syncWave !== undefined) {
      for (const o of [this.deployment, this.autoscaler?.hpa, this.disruptionBudget?.pdb]) {
        o?.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(props.syncWave));
      }
    }
  }
}
