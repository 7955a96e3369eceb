import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, AppProject, ApplicationSpecIgnoreDifferences, ApplicationSpecSyncPolicy } from '../../imports/argoproj.io';
import { SystemChart } from '../chart';
import { byCodeUnit, checkDnsLabel } from '../core/checks';
import { fail } from '../core/errors';
import { goDurationSeconds } from '../core/go-duration';
import { LabelKeys, MANAGED_BY } from '../core/labels';
import { Environment } from '../environments/environment';
import { SYNC_WAVE_ANNOTATION } from './sync-waves';

/** The cluster Argo CD runs in: every environment has its own cluster and its own Argo CD. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Name of the Application (and AppProject) of the platform layer in the root folder. */
export const PLATFORM_NAME = 'platform';

/**
 * The order of the root folder, `dist/<env>/argocd/`: each wave's Applications must be
 * Healthy (lib/gitops/health-checks.ts) before the next wave applies.
 */
export enum RootWave {
  /** The platform's AppProject. */
  PLATFORM_PROJECT = -3,
  /** The platform Application: every add-on installed and Healthy before any system. */
  PLATFORM = -2,
  /** The systems' AppProjects (and the root's). */
  SYSTEM_PROJECTS = -1,
  /** The systems' Applications (and the root itself). */
  SYSTEMS = 0,
}

/** Deleting an Application with this finalizer deletes its resources too. */
// The domain-qualified form of Argo CD's foreground cascade finalizer: the bare
// `resources-finalizer.argocd.argoproj.io` draws an API server warning since Kubernetes 1.35.
const CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';

/** How often and how patiently Argo CD retries a failed sync. */
export interface SyncRetry {
  /**
   * Attempts before the sync is reported failed.
   * @default 5
   */
  readonly limit?: number;
  /**
   * Wait before the first retry.
   * @default '10s'
   */
  readonly backoffDuration?: string;
  /**
   * Factor the wait grows by after each attempt.
   * @default 2
   */
  readonly backoffFactor?: number;
  /**
   * Longest wait between attempts.
   * @default '5m'
   */
  readonly backoffMaxDuration?: string;
}

/** The platform layer the root app of apps syncs before every system (lib/platform/). */
export interface PlatformLayer {
  /** The folder the `platform` Application syncs, relative to dist/ (e.g. `production/platform`). */
  readonly outputDir: string;
  /**
   * The constructs whose objects the `platform` AppProject must allow: that folder's, and those
   * of every folder of this repository its Applications sync (e.g. `platform-config`).
   */
  readonly scopes: readonly Construct[];
}

export interface FleetGitOpsProps {
  /** The systems rendered for the environment: one Application and AppProject each. */
  readonly systems: readonly SystemChart[];
  /**
   * The platform layer, synced (and healthy) before any system.
   * @default - no platform Application
   */
  readonly platform?: PlatformLayer;
  /**
   * Name of the root Application (app of apps) and of its AppProject.
   * @default 'fleet'
   */
  readonly rootName?: string;
  /**
   * Retry policy of every Application.
   * @default - 5 attempts, 10s backoff doubling up to 5m
   */
  readonly retry?: SyncRetry;
}

/** An environment's Argo CD objects, rendered into `dist/<env>/argocd/`. */
export class GitOpsChart extends Chart {
  /** A prototype check, as for SystemChart (cdk8s's own says yes to every chart). */
  public static [Symbol.hasInstance](o: unknown): o is GitOpsChart {
    return Function.prototype[Symbol.hasInstance].call(this, o);
  }

  public readonly environment: Environment;

  constructor(scope: Construct, environment: Environment) {
    super(scope, `${environment.name}-argocd`, { disableResourceNameHashes: true });
    this.environment = environment;
  }

  /** Where the chart renders, relative to dist/. */
  public get outputDir(): string {
    return `${this.environment.name}/argocd`;
  }
}

/**
 * Argo CD for one environment, app of apps: a root Application that syncs
 * `dist/<env>/argocd/`, where this renders the platform's Application and AppProject (when
 * there is a platform: it syncs, and must be Healthy, first) and an AppProject and an
 * Application per system (each Application syncs `dist/<env>/<system>/`, and its project
 * allows only that system's namespace and the kinds the system renders).
 *
 * Bootstrap once per cluster by applying the root alone (README, "Bootstrapping a cluster
 * from nothing"): `kubectl apply -n argocd -f dist/<env>/argocd/appproject-fleet.yaml -f
 * dist/<env>/argocd/application-fleet.yaml`. Create it in the environment's {@link GitOpsChart}.
 */
export class FleetGitOps extends Construct {
  /** The chart everything is rendered into (the scope). */
  public readonly chart: GitOpsChart;
  /** The root Application (app of apps). */
  public readonly root: Application;
  /** The root Application's project: Applications and AppProjects in the Argo CD namespace. */
  public readonly rootProject: AppProject;
  /** Each system's Application, by system name. */
  public readonly applications: Readonly<Record<string, Application>>;
  /** Each system's AppProject, by system name. */
  public readonly projects: Readonly<Record<string, AppProject>>;
  /** The Application syncing the platform folder, when there is a platform. */
  public readonly platformApplication?: Application;
  /** The platform Application's project: exactly the kinds and namespaces the platform's own folders render. */
  public readonly platformProject?: AppProject;

  constructor(scope: GitOpsChart, id: string, props: FleetGitOpsProps) {
    super(scope, id);
    this.chart = scope;
    const env = scope.environment;
    const gitops = env.settings.gitops;
    const rootName = props.rootName ?? 'fleet';
    checkDnsLabel(this, 'root application name', rootName);
    if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(gitops.repoURL)) {
      fail(this, `repoURL "${gitops.repoURL}" is not a git URL Argo CD can clone`, 'use https://host/org/repo.git or git@host:org/repo.git in lib/environments/settings.ts');
    }
    if (!gitops.targetRevision.trim()) {
      fail(this, 'targetRevision is empty', 'set the branch, tag or commit Argo CD tracks, e.g. "main"');
    }
    const retry = syncRetry(this, props.retry ?? {});
    const server = gitops.destinationServer ?? IN_CLUSTER;
    const syncPolicy = (extraOptions: string[]): ApplicationSpecSyncPolicy => ({
      // Production syncs when a person presses Sync, unless its settings say otherwise.
      ...(gitops.automated ? { automated: { prune: true, selfHeal: true } } : {}),
      syncOptions: ['PruneLast=true', ...extraOptions],
      retry,
    });
    const labels = (name: string, component: string) => ({
      [LabelKeys.name]: name,
      [LabelKeys.instance]: name,
      [LabelKeys.component]: component,
      [LabelKeys.partOf]: rootName,
      [LabelKeys.managedBy]: MANAGED_BY,
    });
    const meta = (name: string, component: string, wave: number, finalizers?: string[]) => ({
      name,
      namespace: gitops.namespace,
      labels: labels(name, component),
      annotations: { [SYNC_WAVE_ANNOTATION]: String(wave) },
      ...(finalizers ? { finalizers } : {}),
    });
    const source = (path: string) => ({
      repoUrl: gitops.repoURL,
      targetRevision: gitops.targetRevision,
      path,
      // Only the manifests: the traffic map README.md beside them is for people.
      directory: { recurse: false, include: '*.yaml' },
    });

    if (rootName === PLATFORM_NAME && props.platform) {
      fail(this, `the root Application is named "${rootName}", like the platform's`, 'pass another rootName');
    }
    // The platform first: the root waits for it to be Healthy (every add-on installed) before
    // it creates the systems' projects and Applications.
    if (props.platform) {
      const platform = props.platform;
      this.platformProject = new AppProject(this, 'platform-project', {
        metadata: meta(PLATFORM_NAME, 'project', RootWave.PLATFORM_PROJECT),
        spec: {
          description: `The ${env.name} platform layer: the add-on Applications, their Namespaces and the cluster objects of their kinds`,
          sourceRepos: [gitops.repoURL],
          destinations: Lazy.any({ produce: () => renderedNamespaces(platform.scopes, gitops.namespace).map(namespace => ({ server, namespace })) }),
          ...kindWhitelists(platform.scopes),
          orphanedResources: { warn: true },
        },
      });
      // Synced automatically in every environment, and never cascade-deleted (see lib/platform/addon-application.ts).
      this.platformApplication = new Application(this, 'platform-application', {
        metadata: meta(PLATFORM_NAME, 'application', RootWave.PLATFORM),
        spec: {
          project: PLATFORM_NAME,
          source: source(`dist/${platform.outputDir}`),
          destination: { server, namespace: gitops.namespace },
          syncPolicy: { automated: { prune: gitops.automated, selfHeal: true }, syncOptions: ['PruneLast=true'], retry },
          revisionHistoryLimit: 10,
        },
      });
    }

    const applications: Record<string, Application> = {};
    const projects: Record<string, AppProject> = {};
    for (const system of props.systems) {
      const name = system.system;
      if (name === rootName) {
        fail(this, `system "${name}" has the root Application's name`, `rename the system or pass another rootName`);
      }
      if (system.environment !== env) {
        fail(this, `system ${system.node.path} is rendered for ${system.environment.name}, not ${env.name}`, 'pass only the systems of this environment');
      }
      // Projects before Applications: an Application needs its project to exist.
      projects[name] = new AppProject(this, `${name}-project`, {
        metadata: meta(name, 'project', RootWave.SYSTEM_PROJECTS),
        spec: {
          description: `${name} in ${env.name}: only namespace ${system.namespaceName} and the kinds it renders`,
          sourceRepos: [gitops.repoURL],
          destinations: [{ server, namespace: system.namespaceName }],
          ...kindWhitelists([system]),
          orphanedResources: { warn: true },
        },
      });
      applications[name] = new Application(this, `${name}-application`, {
        // Where Argo CD prunes, deleting the Application deletes what it deployed; where
        // people sync by hand (production), removing it leaves the workloads running.
        metadata: meta(name, 'application', RootWave.SYSTEMS, gitops.automated ? [CASCADE_FINALIZER] : undefined),
        spec: {
          project: name,
          source: source(`dist/${system.outputDir}`),
          destination: { server, namespace: system.namespaceName },
          syncPolicy: syncPolicy(['RespectIgnoreDifferences=true', 'FailOnSharedResource=true']),
          ignoreDifferences: Lazy.any({ produce: () => clusterOwnedFields(system) }),
          revisionHistoryLimit: 10,
        },
      });
    }
    this.applications = applications;
    this.projects = projects;

    this.rootProject = new AppProject(this, 'root-project', {
      metadata: meta(rootName, 'project', RootWave.SYSTEM_PROJECTS),
      spec: {
        description: `The ${env.name} app of apps: Applications and AppProjects in ${gitops.namespace}`,
        sourceRepos: [gitops.repoURL],
        destinations: [{ server, namespace: gitops.namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'Application' }, { group: 'argoproj.io', kind: 'AppProject' }],
      },
    });
    // No cascade finalizer on the root: deleting it must never take the fleet with it.
    this.root = new Application(this, 'root-application', {
      metadata: meta(rootName, 'application', RootWave.SYSTEMS),
      spec: {
        project: rootName,
        source: source(`dist/${this.chart.outputDir}`),
        destination: { server, namespace: gitops.namespace },
        syncPolicy: syncPolicy([]),
        revisionHistoryLimit: 10,
      },
    });
  }
}

interface Kind { readonly group: string; readonly kind: string; readonly clusterScoped: boolean }
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterIssuer', 'ClusterSecretStore', 'GatewayClass']);

/** The group/kind pairs rendered under `scopes`, sorted. */
function renderedKinds(scopes: readonly Construct[]): Kind[] {
  const seen = new Map<string, Kind>();
  for (const o of scopes.flatMap(s => s.node.findAll()).filter((c): c is ApiObject => c instanceof ApiObject)) {
    // cdk8s calls the core group "core"; Argo CD (like the API) calls it "".
    const group = o.apiGroup === 'core' ? '' : o.apiGroup;
    seen.set(`${group}/${o.kind}`, { group, kind: o.kind, clusterScoped: CLUSTER_SCOPED.has(o.kind) });
  }
  return [...seen.values()].sort((a, b) => byCodeUnit(a.group, b.group) || byCodeUnit(a.kind, b.kind));
}

/** An AppProject's whitelists: exactly the cluster-scoped and the namespaced kinds rendered under `scopes`, read at synth. */
function kindWhitelists(scopes: readonly Construct[]) {
  const only = (clusterScoped: boolean) => Lazy.any({
    produce: () => renderedKinds(scopes).filter(k => k.clusterScoped === clusterScoped).map(({ group, kind }) => ({ group, kind })),
  });
  return { clusterResourceWhitelist: only(true), namespaceResourceWhitelist: only(false) };
}

/** The namespaces of the namespaced objects rendered under `scopes`, and `always`, sorted. */
function renderedNamespaces(scopes: readonly Construct[], always: string): string[] {
  const namespaces = new Set([always]);
  for (const o of scopes.flatMap(s => s.node.findAll()).filter((c): c is ApiObject => c instanceof ApiObject)) {
    if (!CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace) { namespaces.add(o.metadata.namespace); }
  }
  return [...namespaces].sort(byCodeUnit);
}

/**
 * Fields the cluster writes into objects we render, which would otherwise show the
 * Application OutOfSync forever: the API server adds apiVersion, kind and a
 * creationTimestamp to each StatefulSet volumeClaimTemplate (argoproj/argo-cd#11143).
 */
function clusterOwnedFields(system: SystemChart): ApplicationSpecIgnoreDifferences[] | undefined {
  const statefulSets = system.node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'StatefulSet')
    .filter(s => (s.toJson().spec?.volumeClaimTemplates ?? []).length > 0);
  if (statefulSets.length === 0) { return undefined; }
  return [{
    group: 'apps',
    kind: 'StatefulSet',
    jqPathExpressions: [
      '.spec.volumeClaimTemplates[]?.apiVersion',
      '.spec.volumeClaimTemplates[]?.kind',
      '.spec.volumeClaimTemplates[]?.metadata.creationTimestamp',
    ],
  }];
}

/** Argo CD's `syncPolicy.retry` for `r`, checked: attempts, backoff durations and factor. */
export function syncRetry(scope: Construct, r: SyncRetry) {
  const limit = r.limit ?? 5;
  if (!Number.isInteger(limit) || limit < 1) {
    fail(scope, `retry limit ${limit} is not a positive integer`, 'retry at least once, e.g. limit: 5');
  }
  const durations = { backoffDuration: r.backoffDuration ?? '10s', backoffMaxDuration: r.backoffMaxDuration ?? '5m' };
  for (const [k, v] of Object.entries(durations)) {
    // Argo CD reads a whole number as seconds, anything else with time.ParseDuration (parseStringToDuration).
    const seconds = /^\d+$/.test(v) ? Number(v) : goDurationSeconds(v);
    if (!(seconds !== undefined && seconds > 0)) {
      fail(scope, `retry ${k} "${v}" is not a positive duration as Argo CD reads it`, 'write it like "10s", "5m" or "1h30m" (a whole number counts seconds)');
    }
  }
  const factor = r.backoffFactor ?? 2;
  if (!Number.isInteger(factor) || factor < 1) {
    fail(scope, `retry backoffFactor ${factor} is not a positive integer`, 'use 2 to double the wait after each attempt');
  }
  return { limit, backoff: { duration: durations.backoffDuration, factor, maxDuration: durations.backoffMaxDuration } };
}
