/** An upstream Helm chart at one exact version. */
export interface HelmChartPin {
  readonly source: 'helm';
  /** The chart repository Argo CD pulls from. */
  readonly repoURL: string;
  /** The chart's name in that repository. */
  readonly chart: string;
  /** The chart version: exact, never a range. */
  readonly version: string;
  /** The version of the software the chart installs at that chart version. */
  readonly appVersion: string;
}

/**
 * An upstream Helm chart published as an OCI artifact, at one exact tag. Argo CD (3.1 and later)
 * pulls it as an OCI source: `repoURL: oci://<registry>/<repository>`, `path: .`.
 */
export interface OciHelmChartPin {
  readonly source: 'helm-oci';
  /** The chart's OCI repository, `oci://<registry>/<repository>`. */
  readonly repoURL: string;
  /** The chart version (the artifact's tag): exact, never a range. */
  readonly version: string;
  /** The version of the software the chart installs at that chart version. */
  readonly appVersion: string;
}

/** An upstream kustomization at one git tag, with its image pinned to the same release. */
export interface KustomizePin {
  readonly source: 'kustomize';
  /** The git repository Argo CD clones. */
  readonly repoURL: string;
  /** Folder of the kustomization in that repository. */
  readonly path: string;
  /** The release tag: exact, never a branch. */
  readonly version: string;
  /** The version of the software at that tag. */
  readonly appVersion: string;
  /**
   * Image overrides in Argo CD's `kustomize.images` form (`kustomize edit set image`),
   * `<image>:<tag>`: what the upstream release manifest sets, where the kustomization itself
   * says `latest`.
   */
  readonly images: readonly string[];
}

export type PlatformPin = HelmChartPin | OciHelmChartPin | KustomizePin;

/** The add-ons the platform installs, by Application name. */
export type AddonName =
  | 'argo-cd' | 'cert-manager' | 'external-secrets' | 'cloudnative-pg' | 'plugin-barman-cloud'
  | 'rabbitmq-cluster-operator' | 'redis-operator' | 'kube-prometheus-stack' | 'prometheus-adapter' | 'ingress-nginx'
  | 'reloader' | 'prometheus-blackbox-exporter' | 'envoy-gateway';

const PROMETHEUS_COMMUNITY = 'https://prometheus-community.github.io/helm-charts';
const CLOUDNATIVE_PG = 'https://cloudnative-pg.github.io/charts';

/**
 * Every upstream chart the platform installs, at one exact version. The operators' versions
 * are those of the CRDs in imports/ (../shared/crds/SOURCES.md), so what the policy gate checks
 * our custom resources against is what the cluster runs. Upgrading one is a change here, and
 * of the CRD copy, in one reviewed pull request.
 */
export const PINS: Readonly<Record<AddonName, PlatformPin>> = {
  // Argo CD v3.5.1, the AppProject CRD in imports/; chart 10.3.3 is argo-helm's release of it.
  'argo-cd': { source: 'helm', repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.3.3', appVersion: 'v3.5.1' },
  // cert-manager v1.21.1, the ClusterIssuer CRD in imports/; Jetstack's chart versions carry the v.
  'cert-manager': { source: 'helm', repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1', appVersion: 'v1.21.1' },
  // External Secrets Operator v2.9.0, the ExternalSecret/ClusterSecretStore CRDs in imports/ (chart helm-chart-2.9.0).
  'external-secrets': { source: 'helm', repoURL: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0', appVersion: 'v2.9.0' },
  // CloudNativePG operator 1.30.0, the Cluster CRD in imports/; chart 0.29.0 (chart versions run one minor behind).
  'cloudnative-pg': { source: 'helm', repoURL: CLOUDNATIVE_PG, chart: 'cloudnative-pg', version: '0.29.0', appVersion: '1.30.0' },
  // Barman Cloud plugin v0.14.0, the ObjectStore CRD in imports/; chart 0.7.1 was released with it.
  // Its values set both image tags to appVersion as well, as the plugin's installation guide does.
  'plugin-barman-cloud': { source: 'helm', repoURL: CLOUDNATIVE_PG, chart: 'plugin-barman-cloud', version: '0.7.1', appVersion: 'v0.14.0' },
  // RabbitMQ Cluster Operator v2.22.3, the RabbitmqCluster CRD in imports/. Upstream publishes no
  // Helm chart: its release manifest is `kustomize build config/installation` at the tag with the
  // image set to ghcr.io/rabbitmq/cluster-operator:<version> (Makefile generate-installation-manifest),
  // which is what this renders. (Bitnami's chart repackages it with other images.)
  'rabbitmq-cluster-operator': {
    source: 'kustomize', repoURL: 'https://github.com/rabbitmq/cluster-operator.git', path: 'config/installation',
    version: 'v2.22.3', appVersion: '2.22.3', images: ['ghcr.io/rabbitmq/cluster-operator:2.22.3'], // manager.yaml says :latest
  },
  // OT-CONTAINER-KIT redis-operator v0.26.0 (Sentinel support), the Redis* CRDs in imports/; chart 0.26.0.
  'redis-operator': { source: 'helm', repoURL: 'https://ot-container-kit.github.io/helm-charts', chart: 'redis-operator', version: '0.26.0', appVersion: '0.26.0' },
  // prometheus-operator v0.93.0, the ServiceMonitor/PodMonitor/PrometheusRule CRDs in imports/:
  // chart 88.3.0 is the last kube-prometheus-stack on it (88.4.0 moved to v0.93.1).
  'kube-prometheus-stack': { source: 'helm', repoURL: PROMETHEUS_COMMUNITY, chart: 'kube-prometheus-stack', version: '88.3.0', appVersion: 'v0.93.0' },
  // prometheus-adapter v0.12.0 serves the HPAs' custom Pods metrics; chart 5.3.0.
  'prometheus-adapter': { source: 'helm', repoURL: PROMETHEUS_COMMUNITY, chart: 'prometheus-adapter', version: '5.3.0', appVersion: 'v0.12.0' },
  // ingress-nginx controller v1.15.1, chart 4.15.1: the project's last release (it retired in
  // March 2026). Installed only where an environment's edge is still ingress-nginx (or both).
  'ingress-nginx': { source: 'helm', repoURL: 'https://kubernetes.github.io/ingress-nginx', chart: 'ingress-nginx', version: '4.15.1', appVersion: '1.15.1' },
  // Stakater Reloader v1.4.22, chart 2.2.18: restarts a Deployment when a Secret named in its
  // `secret.reloader.stakater.com/reload` annotation changes (an ExternalSecret's refresh after a
  // rotation; lib/secrets/secret-rotation.ts). No CRDs.
  'reloader': { source: 'helm', repoURL: 'https://stakater.github.io/stakater-charts', chart: 'reloader', version: '2.2.18', appVersion: 'v1.4.22' },
  // Blackbox exporter v0.28.0, chart 11.17.2: probes the public hosts for the systems' Probes
  // (lib/monitoring/blackbox.ts has its modules). No CRDs.
  'prometheus-blackbox-exporter': {
    source: 'helm', repoURL: PROMETHEUS_COMMUNITY, chart: 'prometheus-blackbox-exporter', version: '11.17.2', appVersion: 'v0.28.0',
  },
  // Envoy Gateway v1.9.0, the BackendTrafficPolicy/ClientTrafficPolicy CRDs in imports/. Its chart
  // (gateway-helm, published only as an OCI artifact, tag v1.9.0) also installs the Gateway API
  // CRDs, bundle v1.6.1, those of imports/ (the experimental channel, a superset of the standard
  // one the fleet renders). Envoy documents oci://docker.io/envoyproxy/gateway-helm; Docker Hub's
  // registry host is registry-1.docker.io, which Helm substitutes and Argo CD's OCI client is
  // given as written (Argo CD's own OCI examples use it).
  'envoy-gateway': { source: 'helm-oci', repoURL: 'oci://registry-1.docker.io/envoyproxy/gateway-helm', version: 'v1.9.0', appVersion: 'v1.9.0' },
};

/** An exact release version: `1.2.3` or `v1.2.3`, no range, wildcard, branch or `latest`. */
export const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

/** The problems of one pin (empty when it is exact): what makes it float. */
export function floatingParts(pin: PlatformPin): string[] {
  const problems: string[] = [];
  if (!EXACT_VERSION.test(pin.version)) { problems.push(`version "${pin.version}" is not an exact release`); }
  if (!EXACT_VERSION.test(pin.appVersion)) { problems.push(`appVersion "${pin.appVersion}" is not an exact release`); }
  if (pin.source === 'kustomize') {
    for (const image of pin.images) {
      const tag = /:([^:/]+)$/.exec(image.split('=').pop()!)?.[1];
      if (!tag || !EXACT_VERSION.test(tag)) { problems.push(`image "${image}" has no exact release tag`); }
    }
  }
  return problems;
}
