import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { checkDnsLabel, checkPositiveInt } from '../core/checks';
import { checkCronSchedule } from '../core/cron';
import { fail } from '../core/errors';
import { NAME_LIMITS } from '../core/names';
import { LabelKeys, stableLabels, versionedLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { INetworkEndpoint, ServiceNetworkPolicy } from '../network/network-policy';
import { imageVersion } from '../core/image';
import { ContainerSpecProps, renderContainer } from '../workload/container';
import { renderPodSpec } from '../workload/pod';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';

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
   * Successful and failed runs kept for inspection (0 keeps none).
   * @default 3
   */
  readonly historyLimit?: number;
}

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
    checkNameIsFree(scope, name, 'backup job');
    super(scope, name);
    recordDefinition(this);
    const chart = SystemChart.of(this);
    checkDnsLabel(this, 'backup job name', name, NAME_LIMITS.cronJob); // CronJob names leave room for the Job suffix
    checkCronSchedule(this, 'schedule', props.schedule);
    const startingDeadline = props.startingDeadlineSeconds ?? 600;
    if (!Number.isInteger(startingDeadline) || startingDeadline < 0) {
      fail(this, `startingDeadlineSeconds ${startingDeadline} is ${startingDeadline < 0 ? 'negative' : 'not a whole number'}`,
        'give whole seconds of at least 10 (600 lets a run start up to 10 minutes late)');
    }
    if (startingDeadline < 10) {
      // The CronJob controller checks schedules about every 10 s; a shorter deadline can miss every run.
      fail(this, `startingDeadlineSeconds ${startingDeadline} is below 10, so the CronJob controller may miss every run`,
        'give at least 10 seconds (600 lets a run start up to 10 minutes late)');
    }
    const backoffLimit = props.backoffLimit ?? 2;
    if (!Number.isInteger(backoffLimit) || backoffLimit < 0) {
      fail(this, `backoffLimit ${backoffLimit} is ${backoffLimit < 0 ? 'negative' : 'not a whole number'}`,
        'give the number of retries as a whole number, 0 or more (0: no retry)');
    }
    const deadline = props.activeDeadlineSeconds ?? 3600;
    checkPositiveInt(this, 'activeDeadlineSeconds', deadline);
    const history = props.historyLimit ?? 3;
    checkPositiveInt(this, 'historyLimit', history, 0); // 0 is valid: keep no finished Jobs
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
        startingDeadlineSeconds: startingDeadline,
        successfulJobsHistoryLimit: history,
        failedJobsHistoryLimit: history,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit,
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
