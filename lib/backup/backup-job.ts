import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { checkDnsLabel, checkPositiveInt } from '../core/checks';
import { fail } from '../core/errors';
import { LabelKeys, stableLabels, versionedLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { INetworkEndpoint, ServiceNetworkPolicy } from '../network/network-policy';
import { ContainerSpecProps, imageVersion, renderContainer } from '../workload/container';
import { renderPodSpec } from '../workload/pod';

export interface BackupJobProps extends ContainerSpecProps {
  /** Cron schedule in UTC, five fields, e.g. "0 2 * * *". */
  readonly schedule: string;
  /**
   * Seconds a run may take before it is killed.
   * @default 3600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds after the scheduled time a missed run may still start.
   * @default 600
   */
  readonly startingDeadlineSeconds?: number;
  /**
   * Retries of a failed run.
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * Successful and failed runs kept for inspection.
   * @default 3
   */
  readonly historyLimit?: number;
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/**
 * A scheduled backup: a CronJob that never overlaps itself (concurrencyPolicy Forbid),
 * with a deadline, bounded retries and bounded history, in a restricted pod.
 */
export class BackupJob extends Construct implements INetworkEndpoint {
  public readonly name: string;
  public readonly namespaceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts = {};
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly cronJob: k8s.KubeCronJob;

  constructor(scope: Construct, name: string, props: BackupJobProps) {
    super(scope, name);
    const chart = SystemChart.of(this);
    checkDnsLabel(this, 'backup job name', name, 52); // CronJob names leave room for the Job suffix
    const fields = props.schedule.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every(f => CRON_FIELD.test(f))) {
      fail(this, `schedule "${props.schedule}" is not a five-field cron expression`, 'write minute hour day month weekday, e.g. "0 2 * * *"');
    }
    const deadline = props.activeDeadlineSeconds ?? 3600;
    checkPositiveInt(this, 'activeDeadlineSeconds', deadline);
    const history = props.historyLimit ?? 3;
    checkPositiveInt(this, 'historyLimit', history);
    this.name = name;
    this.namespaceName = chart.namespaceName;
    const identity = { name, instance: name, component: 'backup', partOf: chart.system };
    this.podSelector = { [LabelKeys.name]: name, [LabelKeys.partOf]: chart.system };
    const labels = versionedLabels(identity, imageVersion(props.image));
    this.cronJob = new k8s.KubeCronJob(this, 'Resource', {
      metadata: namespacedMeta(this, name, labels),
      spec: {
        schedule: props.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: props.startingDeadlineSeconds ?? 600,
        successfulJobsHistoryLimit: history,
        failedJobsHistoryLimit: history,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: props.backoffLimit ?? 2,
            activeDeadlineSeconds: deadline,
            template: {
              metadata: { labels },
              spec: renderPodSpec({ containers: [renderContainer(this, name, props)], restartPolicy: 'OnFailure' }),
            },
          },
        },
      },
    });
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name, labels: stableLabels(identity), podSelector: this.podSelector,
    });
  }
}
