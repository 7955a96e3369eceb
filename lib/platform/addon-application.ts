import { Construct } from 'constructs';
import { Application, ApplicationSpecSource } from '../../imports/argoproj.io';
import { checkDnsLabel } from '../core/checks';
import { fail } from '../core/errors';
import { platformLabels } from './platform-chart';
import { Environment } from '../environments/environment';
import { IN_CLUSTER, syncRetry } from '../gitops/argo-cd';
import { syncWaveAnnotation } from '../gitops/sync-waves';
import { floatingParts, PlatformPin } from './pins';

/** Webhook CA bundles that cert-manager's cainjector or the operators themselves write after the sync. */
const INJECTED_CA_BUNDLES = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map(kind => ({
  group: 'admissionregistration.k8s.io',
  kind,
  jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
}));

export interface AddonApplicationProps {
  /** Application name (and Helm release name unless `releaseName` is given). */
  readonly name: string;
  /** The pinned upstream chart or kustomization. */
  readonly pin: PlatformPin;
  /** Namespace the add-on is installed into. */
  readonly namespace: string;
  /** Sync wave of the Application within the platform folder. */
  readonly wave: number;
  /** AppProject of the Application. */
  readonly project: string;
  /**
   * Helm values (a Helm pin only).
   * @default - the chart's defaults
   */
  readonly values?: Record<string, unknown>;
  /**
   * Helm release name (a Helm pin only).
   * @default - the Application name
   */
  readonly releaseName?: string;
}

/**
 * An Argo CD Application installing one pinned upstream chart (or kustomization) into its
 * namespace. It syncs automatically and heals drift: the platform is what every system stands
 * on, and it changes only through a reviewed pin or value. It has no cascade-delete
 * finalizer: deleting or renaming it leaves the add-on, its CRDs and so every custom resource
 * of them in place (a deleted CRD takes all its objects with it).
 */
export class AddonApplication extends Construct {
  public readonly application: Application;
  public readonly name: string;
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: AddonApplicationProps) {
    super(scope, id);
    const env = Environment.of(this);
    const gitops = env.settings.gitops;
    checkDnsLabel(this, 'add-on name', props.name);
    checkDnsLabel(this, 'add-on namespace', props.namespace);
    const floating = floatingParts(props.pin);
    if (floating.length) {
      fail(this, `${props.name} is not pinned: ${floating.join('; ')}`, 'pin an exact release in lib/platform/pins.ts');
    }
    if (props.pin.source === 'kustomize' && (props.values || props.releaseName)) {
      fail(this, `${props.name} is a kustomization, which takes no Helm values or release name`, 'drop values and releaseName');
    }
    this.name = props.name;
    this.namespace = props.namespace;
    const helm = {
      releaseName: props.releaseName ?? props.name,
      ...(props.values ? { valuesObject: props.values } : {}),
    };
    if (props.pin.source === 'helm-oci' && !/^oci:\/\/[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+$/.test(props.pin.repoURL)) {
      fail(this, `${props.name}'s chart repository "${props.pin.repoURL}" is not an OCI repository`, 'write it as oci://<registry>/<repository>, e.g. oci://registry-1.docker.io/envoyproxy/gateway-helm');
    }
    const source: ApplicationSpecSource = props.pin.source === 'helm'
      ? { repoUrl: props.pin.repoURL, chart: props.pin.chart, targetRevision: props.pin.version, helm }
      : props.pin.source === 'helm-oci'
        // Argo CD's OCI source: the artifact is the chart, at its root.
        ? { repoUrl: props.pin.repoURL, path: '.', targetRevision: props.pin.version, helm }
        : {
        repoUrl: props.pin.repoURL,
        path: props.pin.path,
        targetRevision: props.pin.version,
        kustomize: { images: [...props.pin.images] },
      };
    this.application = new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: gitops.namespace,
        labels: platformLabels(props.name, 'application'),
        annotations: syncWaveAnnotation(props.wave),
      },
      spec: {
        project: props.project,
        source,
        destination: { server: gitops.destinationServer ?? IN_CLUSTER, namespace: props.namespace },
        syncPolicy: {
          // Prunes only where Argo CD prunes the systems too (not where people sync by hand).
          automated: { prune: gitops.automated, selfHeal: true },
          // Server-side apply: several charts' CRDs exceed the 256 KiB last-applied annotation.
          syncOptions: ['ServerSideApply=true', 'RespectIgnoreDifferences=true'],
          retry: syncRetry(this, {}),
        },
        ignoreDifferences: INJECTED_CA_BUNDLES,
        revisionHistoryLimit: 10,
      },
    });
  }
}
