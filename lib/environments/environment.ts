import { IConstruct } from 'constructs';
import { fail } from '../core/errors';

/** The environments every system is rendered for, in promotion order. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'production'] as const;
export type EnvironmentName = typeof ENVIRONMENT_NAMES[number];

/** A value that differs per environment; every environment must be given one. */
export type PerEnvironment<T> = Readonly<Record<EnvironmentName, T>>;

/** Where Argo CD finds the rendered manifests and how it syncs them. */
export interface GitOpsSettings {
  /** Git repository Argo CD pulls dist/ from. */
  readonly repoURL: string;
  /** Branch, tag or commit Argo CD tracks. */
  readonly targetRevision: string;
  /** Sync automatically with prune and self-heal; otherwise a person presses Sync. */
  readonly automated: boolean;
  /** Namespace Argo CD runs in and where Applications live. */
  readonly namespace: string;
  /**
   * API server Argo CD deploys to.
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
}

/** What differs between dev, staging and production for every system. */
export interface EnvironmentSettings {
  /** dev, staging or production. */
  readonly name: EnvironmentName;
  /**
   * Highly available: at least 2 replicas, a PodDisruptionBudget and node spread for every
   * workload, and blue/green delivery for user-facing HTTP services.
   */
  readonly highAvailability: boolean;
  /** Every Ingress must terminate TLS. */
  readonly requireTls: boolean;
  /** cert-manager ClusterIssuer that signs Ingress certificates. */
  readonly clusterIssuer: string;
  /** IngressClass of the ingress-nginx controller. */
  readonly ingressClassName: string;
  /** Namespace the ingress-nginx controller pods run in; NetworkPolicies admit it. */
  readonly ingressControllerNamespace: string;
  /** Namespace Prometheus runs in; NetworkPolicies admit it to metrics ports. */
  readonly monitoringNamespace: string;
  /** Label the prometheus-operator selects ServiceMonitors and PrometheusRules by. */
  readonly prometheusSelector: Readonly<Record<string, string>>;
  /**
   * Label inserted before a host's registrable domain, so `api.songnodes.com` becomes
   * `api.staging.songnodes.com`. Production has none: hosts are used as written.
   */
  readonly hostLabel?: string;
  /** Argo CD settings. */
  readonly gitops: GitOpsSettings;
}

/** One environment; constructs find it with {@link Environment.of}. */
export class Environment {
  /** The environment a construct is rendered for (from its enclosing system chart). */
  public static of(scope: IConstruct): Environment {
    for (const s of scope.node.scopes.slice().reverse()) {
      const env = (s as unknown as { environment?: unknown }).environment;
      if (env instanceof Environment) {
        return env;
      }
    }
    return fail(scope, 'construct is not inside a SystemChart, so it has no environment',
      'create it under a SystemChart (lib/chart.ts)');
  }

  public readonly name: EnvironmentName;
  constructor(public readonly settings: EnvironmentSettings) {
    this.name = settings.name;
  }

  /** Picks this environment's value. */
  public pick<T>(values: PerEnvironment<T>): T {
    return values[this.name];
  }

  /** The host a production host name maps to in this environment. */
  public host(productionHost: string): string {
    const label = this.settings.hostLabel;
    if (!label) {
      return productionHost;
    }
    const parts = productionHost.split('.');
    const apex = parts.slice(-2).join('.');
    return [...parts.slice(0, -2), label, apex].join('.');
  }
}
