import { App } from 'cdk8s';
import { SystemChart } from '../lib/chart';
import { Environment, ENVIRONMENT_NAMES } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { buildFleet, SYSTEMS } from '../lib/fleet';
import { FleetGitOps, GitOpsChart } from '../lib/gitops/argo-cd';
import { HEALTH_CHECKS, healthCustomizations } from '../lib/gitops/health-checks';
import { applyRetention, isRetainedKind, SYNC_OPTIONS_ANNOTATION } from '../lib/gitops/sync-options';
import { SYNC_WAVE_ANNOTATION } from '../lib/gitops/sync-waves';
import { renderApp } from '../lib/render/manifest-writer';
import { BackupJob } from '../lib/backup/backup-job';
import { PersistentClaim } from '../lib/stateful/persistent-claim';
import { StatefulService } from '../lib/stateful/stateful-service';

/**
 * A small system with what the fleet no longer renders since its datastores moved to
 * operators: a StatefulSet with a claim template, and a claim a CronJob mounts.
 */
function storageFixture(): ReturnType<typeof renderApp> {
  const app = new App({ outdir: '/dev/null' });
  const env = new Environment(ENVIRONMENTS.production);
  const shop = new SystemChart(app, { environment: env, system: 'shop' });
  const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
  new StatefulService(shop, 'db', {
    image: 'docker.io/library/postgres:16.4', ports: [{ name: 'postgres', containerPort: 5432 }], resources, replicas: 2,
    probes: { readiness: { exec: ['pg_isready'] }, liveness: { tcp: true, port: 'postgres' } },
    writablePaths: ['/tmp', '/var/run/postgresql'], dataVolume: { size: '10Gi', mountPath: '/var/lib/postgresql/data' },
  });
  const claim = new PersistentClaim(shop, 'exports', { name: 'exports', size: '5Gi' });
  new BackupJob(shop, 'export', {
    schedule: '0 3 * * *', image: 'ghcr.io/acme/export:1.0.0', resources,
    claims: [{ name: 'exports', claimName: claim.name, mountPath: '/exports' }],
  });
  const quiet = new SystemChart(app, { environment: env, system: 'quiet' });
  new FleetGitOps(new GitOpsChart(app, env), 'argocd', { systems: [shop, quiet] });
  return renderApp(app);
}
const files = renderApp(buildFleet());
const objectsIn = (dir: string) => files.filter(f => f.object && f.path.startsWith(`${dir}/`)).map(f => f.object);
const get = (dir: string, kind: string, name: string) => {
  const o = objectsIn(dir).find(x => x.kind === kind && x.metadata.name === name);
  if (!o) { throw new Error(`no ${kind}/${name} in ${dir}`); }
  return o;
};
const systemDirs = ENVIRONMENT_NAMES.flatMap(env => Object.keys(SYSTEMS).map(s => `${env}/${s}`));

describe('Argo CD applications', () => {
  test.each(systemDirs)('%s has exactly one Application, syncing that folder into its namespace', dir => {
    const [env, system] = dir.split('/');
    const apps = files.filter(f => f.object?.kind === 'Application' && f.object.spec.source.path === `dist/${dir}`);
    expect(apps.map(f => f.path)).toEqual([`${env}/argocd/application-${system}.yaml`]);
    const app = apps[0].object;
    const namespace = get(dir, 'Namespace', system).metadata.name;
    expect(app.metadata.namespace).toBe('argocd');
    expect(app.spec.project).toBe(system);
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace });
    expect(app.spec.source).toMatchObject({
      repoURL: ENVIRONMENTS[env as 'dev'].gitops.repoURL,
      targetRevision: ENVIRONMENTS[env as 'dev'].gitops.targetRevision,
      directory: { include: '*.yaml', recurse: false },
    });
    expect(app.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } });
  });

  test.each(systemDirs)('%s: its AppProject allows only its namespace and exactly the kinds it renders', dir => {
    const [env, system] = dir.split('/');
    const project = get(`${env}/argocd`, 'AppProject', system);
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: system }]);
    const rendered = new Set(objectsIn(dir).map(o => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
    const allowed = [...project.spec.namespaceResourceWhitelist, ...project.spec.clusterResourceWhitelist].map((k: any) => `${k.group}/${k.kind}`);
    expect(allowed.sort()).toEqual([...rendered].sort());
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(project.spec.sourceRepos).toEqual([ENVIRONMENTS[env as 'dev'].gitops.repoURL]);
  });

  test('dev and staging sync automatically with prune and self-heal; production waits for a person', () => {
    for (const env of ENVIRONMENT_NAMES) {
      for (const name of [...Object.keys(SYSTEMS), 'fleet']) {
        const app = get(`${env}/argocd`, 'Application', name);
        if (env === 'production') {
          expect(app.spec.syncPolicy.automated).toBeUndefined();
          expect(app.metadata.finalizers).toBeUndefined();
        } else {
          expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
          // Cascade delete only for system apps, never the root.
          expect(app.metadata.finalizers).toEqual(name === 'fleet' ? undefined : ['resources-finalizer.argocd.argoproj.io/foreground']);
        }
      }
    }
  });

  test.each(ENVIRONMENT_NAMES)('%s has one root app of apps over dist/%s/argocd, limited to Argo CD objects', env => {
    const roots = objectsIn(`${env}/argocd`).filter(o => o.kind === 'Application' && o.spec.source.path === `dist/${env}/argocd`);
    expect(roots.map(o => o.metadata.name)).toEqual(['fleet']);
    expect(roots[0].spec.destination.namespace).toBe('argocd');
    const project = get(`${env}/argocd`, 'AppProject', 'fleet');
    expect(project.spec.namespaceResourceWhitelist).toEqual([{ group: 'argoproj.io', kind: 'Application' }, { group: 'argoproj.io', kind: 'AppProject' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    // Projects apply before the Applications that name them.
    expect(Number(project.metadata.annotations[SYNC_WAVE_ANNOTATION])).toBeLessThan(Number(roots[0].metadata.annotations[SYNC_WAVE_ANNOTATION]));
  });

  test('the Argo CD folder is not a system: no traffic map, and its chart is no SystemChart', () => {
    expect(files.filter(f => f.path.startsWith('production/argocd/')).every(f => f.path.endsWith('.yaml'))).toBe(true);
    // cdk8s's Chart says yes to `instanceof` for any chart; ours must not.
    const app = new App({ outdir: '/dev/null' });
    const env = new Environment(ENVIRONMENTS.dev);
    expect(new GitOpsChart(app, env) instanceof SystemChart).toBe(false);
    expect(new SystemChart(app, { environment: env, system: 'shop' }) instanceof GitOpsChart).toBe(false);
  });

  test('ignoreDifferences covers the volumeClaimTemplate fields the API server adds, only where there are such templates', () => {
    const fixture = storageFixture().filter(f => f.object);
    const app = (name: string) => fixture.find(f => f.object.kind === 'Application' && f.object.metadata.name === name)!.object;
    expect(app('shop').spec.ignoreDifferences).toEqual([expect.objectContaining({ group: 'apps', kind: 'StatefulSet' })]);
    expect(app('shop').spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(app('quiet').spec.ignoreDifferences).toBeUndefined();
    // The fleet's datastores are operator-run now: no claim template, so no Application ignores one.
    for (const dir of systemDirs) {
      const [env, system] = dir.split('/');
      expect([dir, objectsIn(dir).some(o => o.kind === 'StatefulSet' && o.spec.volumeClaimTemplates?.length)]).toEqual([dir, false]);
      expect([dir, get(`${env}/argocd`, 'Application', system).spec.ignoreDifferences]).toEqual([dir, undefined]);
    }
  });

  describe('bad configuration is refused with the construct path and a fix', () => {
    const build = (gitops: object, props: object = {}) => () => {
      const app = new App({ outdir: '/dev/null' });
      const env = new Environment({ ...ENVIRONMENTS.staging, gitops: { ...ENVIRONMENTS.staging.gitops, ...gitops } });
      const shop = new SystemChart(app, { environment: env, system: 'shop' });
      new FleetGitOps(new GitOpsChart(app, env), 'argocd', { systems: [shop], ...props });
    };
    test('a repository URL Argo CD cannot clone', () => {
      expect(build({ repoURL: 'github.com/acme/manifests' })).toThrow(
        'staging-argocd/argocd: repoURL "github.com/acme/manifests" is not a git URL Argo CD can clone. Fix: use https://host/org/repo.git or git@host:org/repo.git in lib/environments/settings.ts');
    });
    test('an empty target revision', () => {
      expect(build({ targetRevision: ' ' })).toThrow(/staging-argocd\/argocd: targetRevision is empty\. Fix: set the branch/);
    });
    test('a retry that never retries', () => {
      expect(build({}, { retry: { limit: 0 } })).toThrow(/staging-argocd\/argocd: retry limit 0 is not a positive integer/);
    });
    test('a malformed backoff', () => {
      expect(build({}, { retry: { backoffDuration: '10 seconds' } })).toThrow(/retry backoffDuration "10 seconds" is not a positive duration as Argo CD reads it\. Fix: write it like "10s"/);
      expect(build({}, { retry: { backoffMaxDuration: '0s' } })).toThrow(/retry backoffMaxDuration "0s" is not a positive duration/);
      // What Argo CD reads: a whole number as seconds, else time.ParseDuration.
      for (const backoffDuration of ['10', '1h30m', '1.5m']) { expect(build({}, { retry: { backoffDuration } })).not.toThrow(); }
    });
    test('a system named like the root application', () => {
      expect(build({}, { rootName: 'shop' })).toThrow(/system "shop" has the root Application's name/);
    });
  });
});

describe('sync waves', () => {
  const wave = (o: any) => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]);

  test('every object of every system has a wave', () => {
    const missing = files.filter(f => f.object && Number.isNaN(wave(f.object))).map(f => f.path);
    expect(missing).toEqual([]);
  });

  test('Namespace, configuration, the live color, the gate, the selector switch, then the idle color', () => {
    const dir = 'production/songnodes';
    const liveColor = get(dir, 'Service', 'backend-api').spec.selector.color;
    const idleColor = liveColor === 'blue' ? 'green' : 'blue';
    const ns = wave(get(dir, 'Namespace', 'songnodes'));
    const config = wave(get(dir, 'ExternalSecret', 'songnodes-secrets'));
    const policy = wave(get(dir, 'NetworkPolicy', 'backend-api'));
    // The route's rate limit is in place before the route: no route is served without its limit.
    expect(wave(get(dir, 'BackendTrafficPolicy', 'backend-api'))).toBe(config);
    const deployment = wave(get(dir, 'Deployment', `backend-api-${liveColor}`));
    const colorService = wave(get(dir, 'Service', `backend-api-${liveColor}`));
    const gate = get(dir, 'Job', 'backend-api-smoke-test');
    const live = wave(get(dir, 'Service', 'backend-api'));
    expect(ns).toBeLessThan(config);
    expect(config).toBe(policy);
    expect(config).toBeLessThan(deployment);
    expect(colorService).toBeLessThan(wave(gate));
    expect(gate.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(deployment).toBeLessThan(wave(gate));
    expect(wave(gate)).toBeLessThan(live);
    expect(wave(get(dir, 'HTTPRoute', 'backend-api'))).toBe(live);
    expect(wave(get('dev/songnodes', 'Ingress', 'backend-api'))).toBe(live);
    expect(wave(get(dir, 'Service', 'backend-api-preview'))).toBe(live);
    expect(wave(get(dir, 'Deployment', `backend-api-${idleColor}`))).toBeGreaterThan(live);
  });
});

describe('the root app of apps syncs the platform before the systems', () => {
  test.each(ENVIRONMENT_NAMES)('%s: platform project, platform, the systems\' projects, then the systems', env => {
    const dir = `${env}/argocd`;
    const w = (kind: string, name: string) => Number(get(dir, kind, name).metadata.annotations[SYNC_WAVE_ANNOTATION]);
    expect(w('AppProject', 'platform')).toBeLessThan(w('Application', 'platform'));
    for (const system of Object.keys(SYSTEMS)) {
      expect(w('Application', 'platform')).toBeLessThan(w('AppProject', system));
      expect(w('AppProject', system)).toBeLessThan(w('Application', system));
    }
    // The root waits on Application health only with the health check (lib/gitops/health-checks.ts).
    const argo = get(`${env}/platform`, 'Application', 'argo-cd');
    expect(Object.keys(argo.spec.source.helm.valuesObject.configs.cm)).toContain('resource.customizations.health.argoproj.io_Application');
    // The platform is never cascade-deleted with its Application.
    expect(get(dir, 'Application', 'platform').metadata.finalizers).toBeUndefined();
  });

  test('a system cannot take the platform\'s name', () => {
    const app = new App({ outdir: '/dev/null' });
    const env = new Environment(ENVIRONMENTS.dev);
    expect(() => new SystemChart(app, { environment: env, system: 'platform' })).toThrow(/system name "platform" is taken by the environment's platform layer/);
    expect(() => new SystemChart(app, { environment: env, system: 'cert-manager-test', namespace: 'cert-manager' })).toThrow(/namespace "cert-manager" is where a platform add-on runs/);
  });
});

describe('health checks', () => {
  const ok = 'hs = {}\nhs.status = "Healthy"\nreturn hs';
  test('every check is keyed <group>_<Kind> and returns a status; the HPA check gets Lua\'s libraries', () => {
    const entries = healthCustomizations();
    for (const [key, check] of Object.entries(HEALTH_CHECKS)) {
      expect(entries[`resource.customizations.health.${key}`]).toBe(check.script);
      expect(entries[`resource.customizations.useOpenLibs.${key}`]).toBe(check.useOpenLibs ? 'true' : undefined);
    }
    expect(Object.keys(HEALTH_CHECKS)).toEqual(expect.arrayContaining(['argoproj.io_Application', 'autoscaling_HorizontalPodAutoscaler']));
    expect(entries['resource.customizations.useOpenLibs.autoscaling_HorizontalPodAutoscaler']).toBe('true');
    expect(() => healthCustomizations({ 'argoproj.io/Application': { script: ok } }))
      .toThrow('health check key "argoproj.io/Application" is not <group>_<Kind>');
    expect(() => healthCustomizations({ autoscaling_HorizontalPodAutoscaler: { script: 'return {}' } }))
      .toThrow('health check autoscaling_HorizontalPodAutoscaler never sets and returns hs.status');
    expect(healthCustomizations({ ConfigMap: { script: ok } })).toEqual({ 'resource.customizations.health.ConfigMap': ok });
  });
});

describe('no Namespace, claim or datastore is deleted with its Application', () => {
  const RETAINED = ['Namespace', 'PersistentVolumeClaim', 'Cluster', 'ObjectStore', 'RabbitmqCluster', 'Redis', 'RedisReplication', 'RedisSentinel'];
  test('every such object of the fleet carries Delete=false,Prune=false; no other object does', () => {
    const all = files.filter(f => f.object).map(f => f.object);
    const retained = all.filter(o => isRetainedKind(o.apiVersion, o.kind));
    expect(retained.map(o => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'Cluster', 'ObjectStore', 'RedisReplication']));
    const claims = storageFixture().filter(f => f.object?.kind === 'PersistentVolumeClaim').map(f => f.object);
    expect(claims).toHaveLength(1);
    expect(claims[0].metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe('Delete=false,Prune=false');
    for (const o of retained) { expect(o.metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe('Delete=false,Prune=false'); }
    for (const o of all.filter(x => !isRetainedKind(x.apiVersion, x.kind))) {
      expect(o.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').not.toMatch(/Delete=false/);
    }
  });

  test.each([
    ['postgresql.cnpg.io/v1', 'Cluster'], ['barmancloud.cnpg.io/v1', 'ObjectStore'], ['rabbitmq.com/v1beta1', 'RabbitmqCluster'],
    ['redis.redis.opstreelabs.in/v1beta2', 'RedisReplication'], ['redis.redis.opstreelabs.in/v1beta2', 'RedisSentinel'], ['redis.redis.opstreelabs.in/v1beta2', 'Redis'],
    ['v1', 'Namespace'], ['v1', 'PersistentVolumeClaim'],
  ])('the rule is by kind: %s %s, whoever renders it', (apiVersion, kind) => {
    expect(RETAINED).toContain(kind);
    const o: any = { apiVersion, kind, metadata: { name: 'x' } };
    applyRetention(o);
    expect(o.metadata).toEqual({ annotations: { [SYNC_OPTIONS_ANNOTATION]: 'Delete=false,Prune=false' }, name: 'x' });
  });

  test('it merges with sync options an object already has, and leaves other kinds and groups alone', () => {
    const merged: any = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { annotations: { [SYNC_OPTIONS_ANNOTATION]: 'ServerSideApply=true, Prune=true', b: '1' } } };
    applyRetention(merged);
    expect(merged.metadata.annotations).toEqual({ [SYNC_OPTIONS_ANNOTATION]: 'Delete=false,Prune=false,ServerSideApply=true', b: '1' });
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['example.com/v1', 'Cluster'], ['v1', 'ConfigMap']]) {
      const o: any = { apiVersion, kind, metadata: { name: 'x' } };
      applyRetention(o);
      expect(o.metadata).toEqual({ name: 'x' });
    }
  });

  test('dev and staging keep the cascade finalizer: deleting a system Application removes its workloads, not what holds data', () => {
    for (const env of ['dev', 'staging']) {
      for (const system of Object.keys(SYSTEMS)) {
        expect(get(`${env}/argocd`, 'Application', system).metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io/foreground']);
        expect(get(`${env}/${system}`, 'Namespace', system).metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe('Delete=false,Prune=false');
      }
    }
  });
});

describe('WaitForFirstConsumer storage', () => {
  // A claim stays Pending (Progressing) until a pod that mounts it is scheduled: a claim in an
  // earlier wave than every workload that mounts it would hold its wave forever.
  const template = (o: any) => o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec?.template;
  // The fleet renders no claim since its datastores moved to operators (which claim their volumes
  // with the pods that mount them); the rule is held on the fleet and on a fixture with one.
  test.each([['the fleet', files], ['a fixture with a CronJob\'s claim', storageFixture()]])('no claim applies in an earlier wave than a workload that mounts it: %s', (_what, rendered) => {
    const inDir = (dir: string) => rendered.filter(f => f.object && f.path.startsWith(`${dir}/`)).map(f => f.object);
    const dirs = new Set(rendered.filter(f => f.object?.kind === 'PersistentVolumeClaim').map(f => f.path.split('/').slice(0, 2).join('/')));
    if (rendered !== files) { expect(dirs.size).toBeGreaterThan(0); }
    for (const dir of dirs) {
      const objects = inDir(dir);
      for (const claim of objects.filter(o => o.kind === 'PersistentVolumeClaim')) {
        const consumers = objects.filter(o => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(o.kind))
          .filter(o => (template(o)?.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === claim.metadata.name));
        expect(consumers.length).toBeGreaterThan(0);
        const wave = (o: any) => Number(o.metadata.annotations[SYNC_WAVE_ANNOTATION]);
        expect(wave(claim)).toBeGreaterThanOrEqual(Math.min(...consumers.map(wave)));
      }
    }
  });
});
