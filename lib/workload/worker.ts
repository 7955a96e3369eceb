import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { AutoscalingSpec } from '../autoscaling/autoscaler';
import { SystemChart } from '../chart';
import { checkServiceName } from '../core/names';
import { fail } from '../core/errors';
import { checkLabelValue, LabelKeys, stableLabels, versionedLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { DisruptionSpec } from '../disruption/disruption-budget';
import { Environment } from '../environments/environment';
import { Monitor, ScrapeSpec } from '../monitoring/service-monitor';
import { ExternalEgressSpec, INetworkEndpoint, PolicyPort, ServiceNetworkPolicy } from '../network/network-policy';
import { imageVersion } from '../core/image';
import { ContainerSpecProps, renderContainer } from './container';
import { availabilityFor, DeploymentWorkload } from './deployment-workload';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';

export interface WorkerProps extends ContainerSpecProps {
  /**
   * Label app.kubernetes.io/component.
   * @default 'worker'
   */
  readonly component?: string;
  /**
   * Fixed replica count (when not autoscaled).
   * @default - 2 in highly available environments, 1 otherwise
   */
  readonly replicas?: number;
  /**
   * Horizontal autoscaling (e.g. on queue depth per pod).
   * @default - fixed replicas
   */
  readonly autoscaling?: AutoscalingSpec;
  /**
   * PodDisruptionBudget, rendered in highly available environments.
   * @default { maxUnavailable: 1 }
   */
  readonly disruptionBudget?: DisruptionSpec;
  /**
   * Prometheus scraping through a headless metrics Service; needs a port named in `port`.
   * @default - not scraped
   */
  readonly metrics?: ScrapeSpec;
  /**
   * Destinations outside the cluster the pods may reach.
   * @default - none
   */
  readonly externalEgress?: ExternalEgressSpec[];
}

/**
 * A queue consumer, scraper or exporter: a Deployment with no client-facing Service,
 * a default-deny NetworkPolicy with egress to what it consumes, and optional metrics.
 */
export class Worker extends Construct implements INetworkEndpoint {
  public readonly name: string;
  public readonly namespaceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts: Record<string, PolicyPort> = {};
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly workload: DeploymentWorkload;
  /** The headless Service Prometheus discovers the pods through, when scraped. */
  public readonly metricsService?: k8s.KubeService;
  public readonly monitor?: Monitor;

  constructor(scope: Construct, name: string, props: WorkerProps) {
    checkNameIsFree(scope, name, 'worker');
    super(scope, name);
    recordDefinition(this);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    // Its metrics Service is "<name>-metrics": a DNS-1035 label of at most 63.
    checkServiceName(this, 'worker name', name, 55);
    this.name = name;
    this.namespaceName = chart.namespaceName;
    const identity = { name, instance: name, component: props.component ?? 'worker', partOf: chart.system };
    checkLabelValue(this, 'component', identity.component);
    const selector = { [LabelKeys.name]: name, [LabelKeys.instance]: name };
    this.podSelector = { [LabelKeys.name]: name, [LabelKeys.partOf]: chart.system };
    const { replicas, disruption } = availabilityFor(this, props);
    const version = imageVersion(props.image);
    this.workload = new DeploymentWorkload(this, 'workload', {
      name,
      labels: versionedLabels(identity, version),
      podLabels: versionedLabels(identity, version),
      selector,
      containers: [renderContainer(this, name, props)],
      ...(props.autoscaling ? { autoscaling: props.autoscaling } : { replicas }),
      disruption,
    });
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name, labels: stableLabels(identity), podSelector: this.podSelector,
    });
    for (const e of props.externalEgress ?? []) {
      this.networkPolicy.allowToCidr(e);
    }
    if (props.metrics) {
      const portName = props.metrics.port ?? 'metrics';
      const port = (props.ports ?? []).find(p => p.name === portName);
      if (!port) {
        fail(this, `metrics port "${portName}" is not a named port of the worker`, 'add it to ports or set metrics.port');
      }
      const serviceName = `${name}-metrics`;
      this.metricsService = new k8s.KubeService(this, 'metrics-service', {
        metadata: namespacedMeta(this, serviceName, stableLabels({ ...identity, instance: serviceName })),
        spec: {
          clusterIp: 'None',
          selector,
          ports: [{ name: portName, port: port.containerPort, targetPort: k8s.IntOrString.fromString(portName), protocol: 'TCP' }],
        },
      });
      this.monitor = new Monitor(this, 'monitor', {
        ...props.metrics,
        port: portName,
        name,
        workload: name,
        jobs: [serviceName],
        labels: stableLabels(identity),
        serviceSelector: { [LabelKeys.name]: name, [LabelKeys.instance]: serviceName },
        servicePortNames: [portName],
        podTargetLabels: [LabelKeys.version],
      });
      this.networkPolicy.allowFromNamespace(env.settings.monitoringNamespace, [{ port: port.containerPort }], 'Prometheus scrapes');
    }
  }
}
