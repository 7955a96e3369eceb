import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { LabelKeys, MANAGED_BY } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { syncWaveAnnotation, SyncWave } from '../gitops/sync-waves';
import { ServiceNetworkPolicy } from '../network/network-policy';
import { renderContainer } from '../workload/container';
import { renderPodSpec } from '../workload/pod';

/** Pinned curl image the smoke test runs. */
export const SMOKE_TEST_IMAGE = 'docker.io/curlimages/curl:8.10.1';

export interface PreviewSmokeTestProps {
  /** The service whose preview is tested. */
  readonly serviceName: string;
  /** Preview Service name. */
  readonly previewServiceName: string;
  /** Preview Service port. */
  readonly port: number;
  /** Container port of the service's pods (for the egress rule). */
  readonly targetPort: number;
  /** Readiness path to GET. */
  readonly path: string;
  /** Labels selecting the tested pods (both colors). */
  readonly targetPods: Record<string, string>;
  /**
   * Seconds before the Job is failed (and the sync aborted).
   * @default 120
   */
  readonly deadlineSeconds?: number;
}

/**
 * An Argo CD Sync hook Job, in the gate wave, that GETs the preview Service's readiness
 * endpoint. If it fails, Argo CD stops the sync before the traffic wave, so a selector flip
 * never reaches an unhealthy color.
 */
export class PreviewSmokeTest extends Construct {
  public readonly job: k8s.KubeJob;
  public readonly networkPolicy: ServiceNetworkPolicy;
  /** Labels of the smoke-test pods (the service's policy admits them). */
  public readonly podLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: PreviewSmokeTestProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const name = `${props.serviceName}-preview-smoke-test`;
    const labels = {
      [LabelKeys.name]: name,
      [LabelKeys.instance]: name,
      [LabelKeys.component]: 'smoke-test',
      [LabelKeys.partOf]: chart.system,
      [LabelKeys.managedBy]: MANAGED_BY,
    };
    this.podLabels = { [LabelKeys.name]: name, [LabelKeys.partOf]: chart.system };
    const url = `http://${props.previewServiceName}.${chart.namespaceName}.svc.cluster.local:${props.port}${props.path}`;
    const curl = renderContainer(this, 'smoke-test', {
      image: SMOKE_TEST_IMAGE,
      command: ['curl'],
      args: ['--fail', '--silent', '--show-error', '--max-time', '5', '--retry', '6', '--retry-delay', '5',
        '--retry-all-errors', url],
      resources: {
        requests: { cpu: '10m', memory: '16Mi', ephemeralStorage: '16Mi' },
        limits: { cpu: '100m', memory: '64Mi', ephemeralStorage: '64Mi' },
      },
    });
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: namespacedMeta(this, name, labels, {
        // A Sync-phase hook in the wave between the workloads and the selector switch: it
        // runs once the preview color is rolled out and healthy (also on the first install,
        // where a PreSync hook would run before the preview Service exists), and when it
        // fails, the sync stops before the live Service's selector changes.
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
        ...syncWaveAnnotation(SyncWave.GATE),
      }),
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: props.deadlineSeconds ?? 120,
        template: {
          metadata: { labels: { ...labels } },
          spec: renderPodSpec({ containers: [curl], restartPolicy: 'Never', terminationGracePeriodSeconds: 5 }),
        },
      },
    });
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name,
      labels,
      podSelector: this.podLabels,
    });
    this.networkPolicy.allowToPods(chart.namespaceName, props.targetPods, [{ port: props.targetPort }], `to ${props.previewServiceName}`);
  }
}
