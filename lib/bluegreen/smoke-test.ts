import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { checkLabelValue, LabelKeys, MANAGED_BY } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { syncWaveAnnotation, SyncWave } from '../gitops/sync-waves';
import { ServiceNetworkPolicy } from '../network/network-policy';
import { renderContainer } from '../workload/container';
import { renderPodSpec } from '../workload/pod';
import { Color } from './blue-green';

/** Pinned curl image the smoke test runs. */
export const SMOKE_TEST_IMAGE = 'docker.io/curlimages/curl:8.10.1';


/** When the test runs, and what its failure stops. */
export type SmokeTestRole =
  /** A Sync hook in the gate wave: tests the color going live; failing it stops the sync before the switch. */
  | 'gate'
  /** A PostSync hook: tests the idle color (the candidate) once everything is applied and healthy. */
  | 'candidate';

export interface SmokeTestProps {
  /** The service whose color is tested. */
  readonly serviceName: string;
  /** The color tested; it is reached through its own Service, `<service>-<color>`. */
  readonly color: Color;
  /** The version (image tag) of that color, recorded on the test's pods. */
  readonly version: string;
  /** Gate (Sync, before the switch) or candidate check (PostSync). */
  readonly role: SmokeTestRole;
  /** The color Service's port. */
  readonly port: number;
  /** Container port of the service's pods (for the egress rule). */
  readonly targetPort: number;
  /** Readiness path to GET. */
  readonly path: string;
  /** Labels selecting the tested pods (both colors). */
  readonly targetPods: Record<string, string>;
  /**
   * Seconds before the Job is failed (and the sync with it).
   * @default 120
   */
  readonly deadlineSeconds?: number;
}

/**
 * An Argo CD hook Job that GETs one color's readiness endpoint through that color's own
 * Service. As the gate (a Sync hook in the gate wave) it tests the color that the live
 * Service is about to select — on a promote the incoming color, on a rollback the color
 * rolled back to — so the selector never moves to an untested color. As the candidate check
 * (a PostSync hook) it tests the idle color after a release to it.
 */
export class SmokeTest extends Construct {
  public readonly job: k8s.KubeJob;
  public readonly networkPolicy: ServiceNetworkPolicy;
  /** Labels of the smoke-test pods (the service's policy admits them). */
  public readonly podLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    checkLabelValue(this, 'tested version', props.version);
    // `<service>-smoke-test` (gate) or `<service>-preview-smoke-test` (candidate).
    const name = props.role === 'gate' ? `${props.serviceName}-smoke-test` : `${props.serviceName}-preview-smoke-test`;
    const labels = {
      [LabelKeys.name]: name,
      [LabelKeys.instance]: name,
      [LabelKeys.component]: 'smoke-test',
      [LabelKeys.partOf]: chart.system,
      [LabelKeys.managedBy]: MANAGED_BY,
    };
    this.podLabels = { [LabelKeys.name]: name, [LabelKeys.partOf]: chart.system };
    const target = `${props.serviceName}-${props.color}`;
    const url = `http://${target}.${chart.namespaceName}.svc.cluster.local:${props.port}${props.path}`;
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
    const hook = props.role === 'gate'
      // A Sync hook in the gate wave runs after the color going live is rolled out and healthy
      // (also on a first install, where a PreSync hook would run before anything exists), and
      // when it fails the sync stops before the live Service's selector changes.
      ? { 'argocd.argoproj.io/hook': 'Sync', ...syncWaveAnnotation(SyncWave.GATE) }
      // PostSync runs once every wave, the idle color's included, is applied and healthy.
      : { 'argocd.argoproj.io/hook': 'PostSync' };
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: namespacedMeta(this, name, labels, {
        ...hook,
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      }),
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: props.deadlineSeconds ?? 120,
        template: {
          metadata: { labels: { ...labels, [LabelKeys.testsColor]: props.color, [LabelKeys.testsVersion]: props.version } },
          spec: renderPodSpec({ containers: [curl], restartPolicy: 'Never', terminationGracePeriodSeconds: 5 }),
        },
      },
    });
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name,
      labels,
      podSelector: this.podLabels,
    });
    this.networkPolicy.allowToPods(chart.namespaceName, props.targetPods, [{ port: props.targetPort }], `to ${target}`);
  }
}
