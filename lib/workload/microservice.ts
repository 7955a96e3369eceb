import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { AutoscalingSpec } from '../autoscaling/autoscaler';
import { BlueGreenSpec, checkBlueGreen, Color, COLORS, otherColor } from '../bluegreen/blue-green';
import { SmokeTest, SmokeTestRole } from '../bluegreen/smoke-test';
import { SystemChart } from '../chart';
import { checkServiceName } from '../core/names';
import { checkUniquePorts } from '../core/ports';
import { fail } from '../core/errors';
import { AppIdentity, checkLabelValue, LabelKeys, stableLabels, versionedLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { DisruptionSpec } from '../disruption/disruption-budget';
import { Environment } from '../environments/environment';
import { syncWaveAnnotation, SyncWave } from '../gitops/sync-waves';
import { EdgeRoute } from '../edge/edge-route';
import { IHttpBackend, IngressOptions } from '../ingress/web-ingress';
import { Monitor, ScrapeSpec } from '../monitoring/service-monitor';
import { ServiceLevelObjectives, ServiceLevelProp } from '../observability/service-level';
import { ExternalEgressSpec, INetworkEndpoint, PolicyPort, ServiceNetworkPolicy } from '../network/network-policy';
import { imageVersion } from '../core/image';
import { ContainerSpecProps, PortSpec, renderContainer } from './container';
import { availabilityFor, DeploymentWorkload } from './deployment-workload';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';
import { GKE_METADATA_EGRESS, WorkloadIdentity } from '../config/workload-identity';

/** One way in from the Internet: an Ingress or HTTPRoutes, as the environment's edge renders it (EdgeRoute). */
export interface MicroserviceIngressSpec extends IngressOptions {
  /**
   * Ingress (and HTTPRoute) name.
   * @default - the service name
   */
  readonly name?: string;
  /** Host, as in production (other environments derive theirs, e.g. api.staging.example.com). */
  readonly host: string;
  /**
   * Paths on the host.
   * @default ['/']
   */
  readonly paths?: string[];
}

export interface MicroserviceProps extends Omit<ContainerSpecProps, 'image'> {
  /**
   * Image with an explicit tag, for a single-color service. Exclusive with `blueGreen`.
   * @default - none; then `blueGreen` is required
   */
  readonly image?: string;
  /**
   * Blue/green delivery: two workloads, a stable and a preview Service.
   * @default - a single workload
   */
  readonly blueGreen?: BlueGreenSpec;
  /**
   * Label app.kubernetes.io/component.
   * @default 'api'
   */
  readonly component?: string;
  /**
   * Fixed replica count (when not autoscaled).
   * @default - 2 in highly available environments, 1 otherwise
   */
  readonly replicas?: number;
  /**
   * Horizontal autoscaling.
   * @default - fixed replicas
   */
  readonly autoscaling?: AutoscalingSpec;
  /**
   * PodDisruptionBudget, rendered in highly available environments.
   * @default { maxUnavailable: 1 }
   */
  readonly disruptionBudget?: DisruptionSpec;
  /**
   * Service session affinity.
   * @default 'None'
   */
  readonly sessionAffinity?: 'None' | 'ClientIP';
  /**
   * Seconds a ClientIP affinity sticks.
   * @default 10800 (Kubernetes default)
   */
  readonly sessionAffinityTimeoutSeconds?: number;
  /**
   * Ways in from the Internet, each rendered for the environment's edge: an ingress-nginx
   * Ingress, Gateway API HTTPRoutes, or both (lib/edge/edge-route.ts).
   * @default - not exposed outside the cluster
   */
  readonly ingresses?: MicroserviceIngressSpec[];
  /**
   * Prometheus scraping; `false` renders no ServiceMonitor.
   * @default - scrape /metrics every 30s on the `metrics` (else `http`) port
   */
  readonly metrics?: ScrapeSpec | false;
  /**
   * Destinations outside the cluster the pods may reach.
   * @default - none
   */
  readonly externalEgress?: ExternalEgressSpec[];
  /**
   * ServiceAccount the pods run as, bound to a Google service account (GKE Workload Identity);
   * the pods may then reach the GKE metadata server for their token.
   * @default - the namespace's default ServiceAccount, no cloud identity
   */
  readonly workloadIdentity?: WorkloadIdentity;
  /**
   * Service level objectives (availability, latency) as recording rules and burn-rate
   * alerts (lib/observability/service-level.ts). The fleet gives one to every service an
   * Ingress routes users to (test/systems.test.ts); `false` says users never reach it.
   * @default - none
   */
  readonly slo?: ServiceLevelProp;
}

/**
 * An HTTP service: Deployment (or a blue/green pair of them), Service, HPA, PDB,
 * default-deny NetworkPolicy, Ingresses and ServiceMonitor — with safe defaults, every
 * child exposed for escape hatches.
 */
export class Microservice extends Construct implements INetworkEndpoint, IHttpBackend {
  public readonly name: string;
  public readonly namespaceName: string;
  /** Labels selecting every pod of the service, whatever its color. */
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts: Record<string, PolicyPort>;
  public readonly networkPolicy: ServiceNetworkPolicy;
  /** The workloads: one, or one per color keyed by color. */
  public readonly workloads: Readonly<Partial<Record<Color | 'single', DeploymentWorkload>>>;
  /** The stable Service (`<name>`); with blue/green it selects the active color. */
  public readonly service: k8s.KubeService;
  /** With blue/green, the Service `<name>-preview` that selects the idle color. */
  public readonly previewService?: k8s.KubeService;
  /** With blue/green, a Service per color (`<name>-blue`, `<name>-green`) that the smoke tests reach. */
  public readonly colorServices: Readonly<Partial<Record<Color, k8s.KubeService>>> = {};
  /** With blue/green, the gate: a Sync hook that tests the color going live before the switch. */
  public readonly smokeTest?: SmokeTest;
  /** With blue/green and a warm idle color, the PostSync test of the idle color (the candidate). */
  public readonly candidateTest?: SmokeTest;
  /** The routes from the Internet, with the preview host's (each an Ingress, HTTPRoutes, or both). */
  public readonly ingresses: EdgeRoute[] = [];
  public readonly monitor?: Monitor;
  public readonly serviceName: string;
  public readonly httpServicePort: number;
  public readonly canary?: { serviceName: string; weight: number };
  public readonly blueGreen?: BlueGreenSpec;
  public readonly ports: readonly PortSpec[];
  /** The HPA settings, when autoscaled (both colors share them, but for a live floor). */
  public readonly autoscaling?: AutoscalingSpec;
  /** The SLO recording rules and burn-rate alerts, when the service has objectives. */
  public readonly slo?: ServiceLevelObjectives;
  private ingressControllerAdmitted = false;
  private gatewayDataPlaneAdmitted = false;

  constructor(scope: Construct, name: string, props: MicroserviceProps) {
    checkNameIsFree(scope, name, 'service');
    super(scope, name);
    recordDefinition(this);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    // A Service name (DNS-1035), with room for "-preview-smoke-test" (blue/green) or "-metrics".
    checkServiceName(this, 'service name', name, props.blueGreen ? 44 : 47);
    this.name = name;
    this.serviceName = name;
    this.namespaceName = chart.namespaceName;
    if ((props.image === undefined) === (props.blueGreen === undefined)) {
      fail(this, props.image ? 'both image and blueGreen are set' : 'neither image nor blueGreen is set',
        'give a single-color service an image, or a blue/green service blueGreen.blue/green images — not both');
    }
    if (props.blueGreen) {
      checkBlueGreen(this, props.blueGreen);
    }
    const ports = props.ports ?? [];
    const http = ports.find(p => p.name === 'http');
    if (!http) {
      fail(this, 'the service has no port named "http"', 'add { name: "http", containerPort: ... } to ports');
    }
    if (!props.probes) {
      fail(this, 'the service has no probes', 'give readiness and liveness HTTP probes so traffic only reaches ready pods');
    }
    if (props.probes.readiness.path === undefined) {
      fail(this, 'the readiness probe is not an HTTP probe', 'give readiness a path: the blue/green smoke test and the ingress controller rely on it');
    }
    if (props.sessionAffinity !== undefined && !['None', 'ClientIP'].includes(props.sessionAffinity)) {
      fail(this, `sessionAffinity "${props.sessionAffinity}" is not "None" or "ClientIP"`, 'use "ClientIP" for sticky sessions, else leave it unset');
    }
    if (props.sessionAffinityTimeoutSeconds !== undefined && props.sessionAffinity !== 'ClientIP') {
      fail(this, 'sessionAffinityTimeoutSeconds is set without ClientIP affinity', 'set sessionAffinity: "ClientIP" or drop the timeout');
    }
    const affinityTimeout = props.sessionAffinityTimeoutSeconds;
    if (affinityTimeout !== undefined && (!Number.isInteger(affinityTimeout) || affinityTimeout < 1 || affinityTimeout > 86400)) {
      fail(this, `sessionAffinityTimeoutSeconds ${affinityTimeout} is outside 1-86400`, 'use whole seconds from 1 to 86400 (one day)');
    }
    // Service ports are unique by number and protocol (TCP and UDP on one number are two ports).
    checkUniquePorts(this, 'Service port', ports.map(p => ({ name: p.name, port: p.servicePort ?? p.containerPort, protocol: p.protocol })));
    this.ports = ports;
    this.httpServicePort = http.servicePort ?? http.containerPort;
    this.networkPorts = Object.fromEntries(ports.map(p => [p.name, { port: p.containerPort, protocol: p.protocol ?? 'TCP' }]));

    const component = props.component ?? 'api';
    checkLabelValue(this, 'component', component);
    const identity = (instance: string): AppIdentity => ({ name, instance, component, partOf: chart.system });
    this.podSelector = { [LabelKeys.name]: name, [LabelKeys.partOf]: chart.system };

    const { replicas, disruption } = availabilityFor(this, props);

    // Workloads: one, or one per color that has an image.
    const workloads: Partial<Record<Color | 'single', DeploymentWorkload>> = {};
    // The live color keeps at least the count that was serving when it was promoted.
    const floor = props.blueGreen?.liveFloor;
    if (floor !== undefined) {
      if (!props.autoscaling) {
        fail(this, `liveFloor ${floor} is set, but ${name} is not autoscaled`, 'remove liveFloor from its release: a fixed replica count is already the same in both colors');
      }
      if (floor > props.autoscaling.maxReplicas) {
        fail(this, `liveFloor ${floor} is above maxReplicas ${props.autoscaling.maxReplicas}`,
          `use at most ${props.autoscaling.maxReplicas}, or raise maxReplicas; the floor is the count that was serving, which the autoscaler never exceeds`);
      }
    }
    const autoscalingOf = (key: Color | 'single') => props.autoscaling && floor !== undefined && key === props.blueGreen?.active
      ? { ...props.autoscaling, minReplicas: Math.max(props.autoscaling.minReplicas, floor) }
      : props.autoscaling;
    const renderWorkload = (key: Color | 'single', image: string, overrides: { env?: Record<string, string>; resources?: ContainerSpecProps['resources'] }, scaledDown: boolean) => {
      const workloadName = key === 'single' ? name : `${name}-${key}`;
      const id = identity(workloadName);
      const version = imageVersion(image);
      const selector = { [LabelKeys.name]: name, [LabelKeys.instance]: workloadName };
      const podLabels = { ...versionedLabels(id, version), ...(key === 'single' ? {} : { [LabelKeys.color]: key }) };
      const container = renderContainer(this, name, {
        ...props,
        image,
        env: { ...(props.env ?? {}), ...(overrides.env ?? {}) },
        resources: overrides.resources ?? props.resources,
      });
      workloads[key] = new DeploymentWorkload(this, key, {
        name: workloadName,
        labels: versionedLabels(id, version),
        podLabels,
        selector,
        containers: [container],
        ...(scaledDown ? { replicas: 0 } : props.autoscaling ? { autoscaling: autoscalingOf(key) } : { replicas }),
        disruption: scaledDown ? undefined : disruption,
        spread: scaledDown ? false : (props.autoscaling?.maxReplicas ?? replicas!) > 1,
        serviceAccountName: props.workloadIdentity?.name,
        // The idle color applies after the switch: it never holds up the live selector.
        ...(key !== 'single' && key !== props.blueGreen?.active ? { syncWave: SyncWave.IDLE } : {}),
      });
    };
    const bg = props.blueGreen;
    if (bg) {
      for (const color of COLORS) {
        const spec = bg[color];
        if (spec) {
          renderWorkload(color, spec.image, spec, color !== bg.active && bg.idle === 'scaled-down');
        }
      }
    } else {
      renderWorkload('single', props.image!, {}, false);
    }
    this.workloads = workloads;
    this.blueGreen = bg;
    this.autoscaling = props.autoscaling;

    // Services: stable, and with blue/green a preview of the idle color.
    const servicePorts: k8s.ServicePort[] = ports.map(p => ({
      name: p.name,
      port: p.servicePort ?? p.containerPort,
      targetPort: k8s.IntOrString.fromString(p.name),
      protocol: p.protocol ?? 'TCP',
    }));
    const renderService = (id: string, serviceName: string, selector: Record<string, string>, annotations?: Record<string, string>) => new k8s.KubeService(this, id, {
      metadata: namespacedMeta(this, serviceName, stableLabels(identity(serviceName)), annotations),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: servicePorts,
        sessionAffinity: props.sessionAffinity ?? 'None',
        ...(props.sessionAffinity === 'ClientIP' ? {
          sessionAffinityConfig: { clientIp: { timeoutSeconds: props.sessionAffinityTimeoutSeconds ?? 10800 } },
        } : {}),
      },
    });
    // A blue/green Service's selector is the traffic switch: it applies after the smoke test.
    this.service = bg
      ? renderService('service', name, { [LabelKeys.name]: name, [LabelKeys.color]: bg.active }, syncWaveAnnotation(SyncWave.TRAFFIC))
      : renderService('service', name, { [LabelKeys.name]: name, [LabelKeys.instance]: name });
    if (bg) {
      const idle = otherColor(bg.active);
      this.previewService = renderService('preview-service', `${name}-preview`, { [LabelKeys.name]: name, [LabelKeys.color]: idle },
        syncWaveAnnotation(SyncWave.TRAFFIC));
      // A Service per color: the smoke tests reach exactly the color they test, whichever
      // color the live and preview Services select at that moment of the sync.
      this.colorServices = Object.fromEntries(COLORS.filter(c => bg[c]).map(c => {
        const svc = renderService(`${c}-service`, `${name}-${c}`, { [LabelKeys.name]: name, [LabelKeys.color]: c });
        svc.metadata.addLabel(LabelKeys.colorService, c);
        return [c, svc];
      }));
      if ((bg.canaryWeight ?? 0) > 0) {
        this.canary = { serviceName: `${name}-preview`, weight: bg.canaryWeight! };
      }
    }

    // Network: default deny, then the monitoring namespace to the metrics port, and egress as declared.
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name,
      labels: stableLabels(identity(name)),
      podSelector: this.podSelector,
    });
    for (const e of [...(props.externalEgress ?? []), ...(props.workloadIdentity ? GKE_METADATA_EGRESS : [])]) {
      this.networkPolicy.allowToCidr(e);
    }

    if (props.metrics !== false) {
      this.monitor = new Monitor(this, 'monitor', {
        ...(props.metrics ?? {}),
        name,
        workload: name,
        jobs: bg ? [name, `${name}-preview`] : [name],
        labels: stableLabels(identity(name)),
        serviceSelector: this.podSelector,
        servicePortNames: ports.map(p => p.name),
        podTargetLabels: bg ? [LabelKeys.color, LabelKeys.version] : [LabelKeys.version],
        ...(bg ? { skipServicesLabelled: LabelKeys.colorService } : {}),
      });
      const metricsPort = this.networkPorts[props.metrics?.port ?? (this.networkPorts.metrics ? 'metrics' : 'http')];
      this.networkPolicy.allowFromNamespace(env.settings.monitoringNamespace, [metricsPort], 'Prometheus scrapes');
    }

    // Blue/green tests: every sync gates the live selector on the color it selects, and a
    // warm idle color (the candidate of the next promote) is tested once it is rolled out.
    if (bg) {
      const test = (role: SmokeTestRole, color: Color) => {
        const t = new SmokeTest(this, role === 'gate' ? 'smoke-test' : 'candidate-test', {
          serviceName: name,
          color,
          version: imageVersion(bg[color]!.image),
          role,
          port: this.httpServicePort,
          targetPort: http.containerPort,
          path: props.probes?.readiness.path ?? '/',
          targetPods: this.podSelector,
        });
        this.networkPolicy.allowFromPods(chart.namespaceName, t.podLabels, [{ port: http.containerPort }],
          role === 'gate' ? `smoke test of the ${color} color before the switch` : `smoke test of the idle ${color} color`);
        return t;
      };
      this.smokeTest = test('gate', bg.active);
      const idle = otherColor(bg.active);
      if (bg[idle] && bg.idle !== 'scaled-down') {
        this.candidateTest = test('candidate', idle);
      }
    }

    if (props.slo) {
      this.slo = new ServiceLevelObjectives(this, 'slo', {
        service: name,
        spec: props.slo,
        custom: props.metrics === false ? undefined : props.metrics?.custom,
        jobs: this.canary ? [name, `${name}-preview`] : [name],
        canary: this.canary !== undefined,
        preview: bg !== undefined,
      });
    }
    for (const spec of props.ingresses ?? []) {
      this.addIngress(spec);
    }
    if (bg?.previewHost) {
      const first = props.ingresses?.[0] ?? { host: bg.previewHost };
      this.ingresses.push(new EdgeRoute(this, 'preview-ingress', {
        ...first,
        name: `${name}-preview`,
        tlsSecretName: undefined,
        routes: [{ host: env.host(bg.previewHost), backend: previewBackend(this) }],
      }));
    }
  }

  /** Adds a route from the Internet to this service for `spec.host` (and paths), as the environment's edge renders it. */
  public addIngress(spec: MicroserviceIngressSpec): EdgeRoute {
    const env = Environment.of(this);
    const ingressName = spec.name ?? this.name;
    const ingress = new EdgeRoute(this, `ingress-${ingressName}`, {
      ...spec,
      name: ingressName,
      routes: (spec.paths ?? ['/']).map(path => ({ host: env.host(spec.host), path, backend: this })),
    });
    this.ingresses.push(ingress);
    return ingress;
  }

  /** Admits the Gateway's proxies (their namespace and labels, from settings) to the HTTP port (called by WebRoute). */
  public allowFromGatewayDataPlane(): void {
    if (this.gatewayDataPlaneAdmitted) {
      return;
    }
    this.gatewayDataPlaneAdmitted = true;
    const dataPlane = Environment.of(this).settings.gateway.dataPlane;
    this.networkPolicy.allowFromNamespace(dataPlane.namespace, [this.networkPorts.http], 'Gateway data plane', { ...dataPlane.podLabels });
  }

  /** Whether an Ingress or an HTTPRoute routes users to the service (its live or preview Service). */
  public get routedFromEdge(): boolean {
    return this.ingressControllerAdmitted || this.gatewayDataPlaneAdmitted;
  }

  /** Admits the ingress controller's pods to the HTTP port (called by WebIngress). */
  public allowFromIngressController(): void {
    if (this.ingressControllerAdmitted) {
      return;
    }
    this.ingressControllerAdmitted = true;
    const env = Environment.of(this);
    this.networkPolicy.allowFromNamespace(env.settings.ingressControllerNamespace,
      [this.networkPorts.http], 'ingress controller');
  }
}

/** The preview Service of a blue/green Microservice as an Ingress or HTTPRoute backend. */
function previewBackend(ms: Microservice): IHttpBackend {
  return {
    serviceName: `${ms.name}-preview`,
    httpServicePort: ms.httpServicePort,
    namespaceName: ms.namespaceName,
    allowFromIngressController: () => ms.allowFromIngressController(),
    allowFromGatewayDataPlane: () => ms.allowFromGatewayDataPlane(),
  };
}
