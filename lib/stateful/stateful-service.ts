import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { checkPositiveInt } from '../core/checks';
import { checkMountPaths } from '../core/mounts';
import { checkServiceName, NAME_LIMITS } from '../core/names';
import { checkUniquePorts } from '../core/ports';
import { fail } from '../core/errors';
import { checkLabelValue, LabelKeys, stableLabels, versionedLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { DisruptionBudget, DisruptionSpec } from '../disruption/disruption-budget';
import { Environment } from '../environments/environment';
import { Monitor, ScrapeSpec } from '../monitoring/service-monitor';
import { INetworkEndpoint, PolicyPort, ServiceNetworkPolicy } from '../network/network-policy';
import { imageVersion } from '../core/image';
import { ContainerSpecProps, PortSpec, renderContainer, ResourceSpec } from '../workload/container';
import { renderPodSpec } from '../workload/pod';
import { SecretKeyReference } from '../config/secret-reference';
import { renderClaimSpec, VolumeSpec } from './persistent-claim';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';

/** A metrics exporter running beside the datastore in the same pod. */
export interface ExporterSpec {
  /** Image with an explicit tag. */
  readonly image: string;
  /** The exporter's metrics port. */
  readonly port: number;
  /** Requests and limits. */
  readonly resources: ResourceSpec;
  /**
   * Literal settings.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Settings from Secret keys.
   * @default - none
   */
  readonly secretEnv?: Record<string, SecretKeyReference>;
  /**
   * Scrape settings (the port is always the exporter's).
   * @default - every 30s on /metrics
   */
  readonly scrape?: Omit<ScrapeSpec, 'port'>;
}

export interface StatefulServiceProps extends Omit<ContainerSpecProps, 'claims'> {
  /**
   * Label app.kubernetes.io/component.
   * @default 'database'
   */
  readonly component?: string;
  /**
   * Pods. Datastores here are single-writer unless they replicate themselves.
   * @default 1
   */
  readonly replicas?: number;
  /** The data volume: one claim per pod from a volume claim template. */
  readonly dataVolume: VolumeSpec & { readonly mountPath: string };
  /**
   * Exporter sidecar and its ServiceMonitor.
   * @default - not scraped
   */
  readonly exporter?: ExporterSpec;
  /**
   * PodDisruptionBudget, rendered in highly available environments.
   * @default { maxUnavailable: 1 }
   */
  readonly disruptionBudget?: DisruptionSpec;
  /**
   * Scrape a metrics port the datastore serves itself (e.g. RabbitMQ's 15692).
   * @default - not scraped, unless an exporter is given
   */
  readonly metrics?: ScrapeSpec;
  /**
   * Refused: see the error for why. Present only so that passing it fails loudly.
   * @default - not autoscaled
   */
  readonly autoscaling?: never;
}

/**
 * A datastore: StatefulSet with per-pod volumes, headless Service, PDB, a NetworkPolicy
 * that admits only named clients, and an optional exporter sidecar with its ServiceMonitor.
 */
export class StatefulService extends Construct implements INetworkEndpoint {
  public readonly name: string;
  public readonly namespaceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts: Record<string, PolicyPort>;
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** Headless Service (stable per-pod DNS names). */
  public readonly service: k8s.KubeService;
  public readonly disruptionBudget?: DisruptionBudget;
  public readonly monitor?: Monitor;
  public readonly ports: readonly PortSpec[];

  constructor(scope: Construct, name: string, props: StatefulServiceProps) {
    checkNameIsFree(scope, name, 'datastore');
    super(scope, name);
    recordDefinition(this);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    // The name is the headless Service's too (DNS-1035), and pods carry a
    // controller-revision-hash label of <name>-<10 characters>, so at most 52.
    checkServiceName(this, 'stateful service name', name, NAME_LIMITS.statefulSet);
    if ((props as { autoscaling?: unknown }).autoscaling !== undefined) {
      fail(this, `${name} is a stateful datastore and cannot be autoscaled`,
        'remove autoscaling: an HPA adding pods to a single-writer database creates empty replicas that split or lose writes; scale it vertically (resources) or use an operator that manages replication');
    }
    const replicas = props.replicas ?? 1;
    checkPositiveInt(this, 'replicas', replicas);
    this.name = name;
    this.namespaceName = chart.namespaceName;
    const identity = { name, instance: name, component: props.component ?? 'database', partOf: chart.system };
    checkLabelValue(this, 'component', identity.component);
    const selector = { [LabelKeys.name]: name, [LabelKeys.instance]: name };
    this.podSelector = { [LabelKeys.name]: name, [LabelKeys.partOf]: chart.system };
    const version = imageVersion(props.image);

    const dataVolumeName = 'data';
    const main = renderContainer(this, name, props);
    main.container.volumeMounts!.push({ name: dataVolumeName, mountPath: props.dataVolume.mountPath });
    checkMountPaths(this, name, main.container.volumeMounts!);
    const containers = [main];
    const ports: PortSpec[] = [...(props.ports ?? [])];
    if (props.exporter) {
      const exporter = renderContainer(this, 'exporter', {
        image: props.exporter.image,
        ports: [{ name: 'metrics', containerPort: props.exporter.port }],
        resources: props.exporter.resources,
        env: props.exporter.env,
        secretEnv: props.exporter.secretEnv,
        probes: {
          readiness: { path: '/', port: 'metrics', periodSeconds: 10 },
          liveness: { tcp: true, port: 'metrics', periodSeconds: 30 },
        },
      }, 'exporter-writable');
      containers.push(exporter);
      ports.push({ name: 'metrics', containerPort: props.exporter.port });
    }
    checkUniquePorts(this, 'Service port', ports.map(p => ({ name: p.name, port: p.servicePort ?? p.containerPort, protocol: p.protocol })));
    this.ports = ports;
    this.networkPorts = Object.fromEntries((props.ports ?? []).map(p => [p.name, { port: p.containerPort, protocol: p.protocol ?? 'TCP' }]));

    this.service = new k8s.KubeService(this, 'service', {
      metadata: namespacedMeta(this, name, stableLabels(identity)),
      spec: {
        clusterIp: 'None',
        selector,
        ports: ports.map(p => ({ name: p.name, port: p.servicePort ?? p.containerPort, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol ?? 'TCP' })),
      },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: namespacedMeta(this, name, versionedLabels(identity, version)),
      spec: {
        serviceName: name,
        replicas,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: versionedLabels(identity, version) },
          spec: renderPodSpec({
            containers,
            spreadSelector: replicas > 1 || env.settings.highAvailability ? selector : undefined,
            terminationGracePeriodSeconds: 60,
          }),
        },
        volumeClaimTemplates: [{
          metadata: { name: dataVolumeName, labels: stableLabels(identity) },
          spec: renderClaimSpec(this, props.dataVolume),
        }],
      },
    });

    if (env.settings.highAvailability) {
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', {
        ...(props.disruptionBudget ?? { maxUnavailable: 1 }),
        name,
        labels: stableLabels(identity),
        selector,
        minReplicas: replicas,
      });
    }

    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name, labels: stableLabels(identity), podSelector: this.podSelector,
    });
    if (props.exporter && props.metrics) {
      fail(this, 'both an exporter and metrics are set', 'scrape either the exporter sidecar or the built-in metrics port');
    }
    const scrape = props.exporter ? { ...(props.exporter.scrape ?? {}), port: 'metrics' } : props.metrics;
    if (scrape) {
      const portName = scrape.port ?? 'metrics';
      const metricsPort = ports.find(p => p.name === portName);
      if (!metricsPort) {
        fail(this, `metrics port "${portName}" is not a named port`, `use one of: ${ports.map(p => p.name).join(', ')}`);
      }
      this.monitor = new Monitor(this, 'monitor', {
        ...scrape,
        port: portName,
        name,
        workload: name,
        jobs: [name],
        labels: stableLabels(identity),
        serviceSelector: selector,
        servicePortNames: ports.map(p => p.name),
      });
      this.networkPolicy.allowFromNamespace(env.settings.monitoringNamespace, [{ port: metricsPort.containerPort }], 'Prometheus scrapes');
    }
  }
}
