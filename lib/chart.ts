import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { checkDnsLabel } from './core/checks';
import { ConfigurationError, fail } from './core/errors';
import { isReservedNamespace } from './core/names';
import { MANAGED_BY, LabelKeys } from './core/labels';
import { Environment } from './environments/environment';
import { applyRetention } from './gitops/sync-options';
import { applySyncWave } from './gitops/sync-waves';
import { FIXED_PLATFORM_NAMESPACES } from './platform/namespaces';
import { applySecretReload } from './secrets/secret-rotation';
import { SystemSecrets } from './secrets/system-secrets';

export interface SystemChartProps {
  /** The environment this chart renders. */
  readonly environment: Environment;
  /** The system's name; also its namespace unless `namespace` is given. */
  readonly system: string;
  /**
   * Namespace every object of the system lives in.
   * @default - the system name
   */
  readonly namespace?: string;
}

/**
 * One system in one environment: everything under `dist/<env>/<system>/`, in one
 * namespace, including the Namespace object itself.
 */
export class SystemChart extends Chart {
  /**
   * cdk8s's Chart answers `instanceof` true for every chart of any class (a duck-typed
   * Symbol.hasInstance); restore the prototype check, so only system charts are SystemCharts.
   */
  public static [Symbol.hasInstance](o: unknown): o is SystemChart {
    return Function.prototype[Symbol.hasInstance].call(this, o);
  }

  /** The chart a construct belongs to. */
  public static of(scope: IConstruct): SystemChart {
    const chart: unknown = Chart.of(scope);
    if (!(chart instanceof SystemChart)) {
      throw new Error(`${scope.node.path}: not inside a SystemChart`);
    }
    return chart as SystemChart;
  }

  public readonly environment: Environment;
  public readonly system: string;
  public readonly namespaceName: string;
  /** The system's Namespace object. */
  public readonly namespaceObject: k8s.KubeNamespace;
  /** The Secrets the system's constructs read, and the ExternalSecrets that produce them. */
  public readonly secrets: SystemSecrets;

  constructor(scope: Construct, props: SystemChartProps) {
    const namespace = props.namespace ?? props.system;
    const id = `${props.environment.name}-${props.system}`;
    // Said before the construct library's "There is already a Construct with name ...".
    if (props.system === 'argocd') {
      throw new ConfigurationError(id, 'system name "argocd" is taken by the environment\'s Argo CD chart (dist/<env>/argocd/)',
        'give the system another name');
    }
    if (props.system === 'platform' || props.system === 'platform-config') {
      throw new ConfigurationError(id, `system name "${props.system}" is taken by the environment's platform layer (dist/<env>/${props.system}/)`,
        'give the system another name');
    }
    const existing = scope.node.tryFindChild(id);
    if (existing) {
      throw new ConfigurationError(id, `system "${props.system}" is built twice in ${props.environment.name}`,
        'build each system once per environment (lib/fleet.ts SYSTEMS)');
    }
    // The id is only used for construct paths; object names are always explicit.
    super(scope, id, { disableResourceNameHashes: true });
    checkDnsLabel(this, 'system name', props.system);
    checkDnsLabel(this, 'namespace', namespace);
    checkNamespaceIsOurs(this, props.environment, props.system, namespace);
    this.environment = props.environment;
    this.system = props.system;
    this.namespaceName = namespace;
    this.namespaceObject = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: namespace,
        labels: {
          [LabelKeys.name]: namespace,
          [LabelKeys.instance]: namespace,
          [LabelKeys.component]: 'namespace',
          [LabelKeys.partOf]: props.system,
          [LabelKeys.managedBy]: MANAGED_BY,
          // Pod Security admission enforces what our constructs already render.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    this.secrets = new SystemSecrets(this, 'secrets', { environment: props.environment, namespace, system: props.system });
  }

  /** Where the chart renders, relative to dist/. */
  public get outputDir(): string {
    return `${this.environment.name}/${this.system}`;
  }

  /**
   * The chart's objects, each annotated with the Argo CD sync wave it applies in, those
   * that hold data with `Delete=false,Prune=false` (lib/gitops/sync-options.ts), and each
   * Deployment with the Secrets a change of which restarts it (lib/secrets/secret-rotation.ts).
   */
  public toJson(): any[] {
    const objects = super.toJson();
    objects.forEach(applySyncWave);
    objects.forEach(applyRetention);
    objects.forEach(applySecretReload);
    return objects;
  }
}

/** Namespaces claimed by systems so far, per app and environment. */
const namespaceOwners = new WeakMap<object, Map<string, string>>();

/**
 * Refuses a namespace the system would not own alone: our Namespace object would take over
 * (and Argo CD prune) a namespace of the cluster (default, kube-*), of the platform (Argo CD,
 * the ingress controller, monitoring), or of another system of the same environment.
 */
function checkNamespaceIsOurs(chart: SystemChart, env: Environment, system: string, namespace: string): void {
  if (isReservedNamespace(namespace)) {
    fail(chart, `namespace "${namespace}" belongs to the cluster`,
      `give ${system} its own namespace (e.g. "${system}"): a Namespace object for "${namespace}" would take it over`);
  }
  const platform: Record<string, string> = {
    [env.settings.gitops.namespace]: 'Argo CD',
    [env.settings.ingressControllerNamespace]: 'the ingress controller',
    [env.settings.gateway.namespace]: 'the Gateway (with its certificates)',
    [env.settings.gateway.dataPlane.namespace]: 'the Gateway implementation and its proxies',
    [env.settings.monitoringNamespace]: 'monitoring',
    ...Object.fromEntries(FIXED_PLATFORM_NAMESPACES.map(n => [n, 'a platform add-on'])),
    [env.settings.datastoreOperators.rabbitmqNamespace]: 'the RabbitMQ operator',
    [env.settings.datastoreOperators.redisNamespace]: 'the Redis operator',
  };
  if (platform[namespace]) {
    fail(chart, `namespace "${namespace}" is where ${platform[namespace]} runs in ${env.name}`,
      `give ${system} its own namespace (e.g. "${system}")`);
  }
  let owners = namespaceOwners.get(chart.node.root);
  if (!owners) {
    owners = new Map();
    namespaceOwners.set(chart.node.root, owners);
  }
  const key = `${env.name}/${namespace}`;
  const owner = owners.get(key);
  if (owner && owner !== system) {
    fail(chart, `namespace "${namespace}" is already used by system ${owner} in ${env.name}`,
      `give ${system} its own namespace: each system owns its Namespace object, NetworkPolicies and Argo CD project`);
  }
  owners.set(key, system);
}
