import { App } from 'cdk8s';
import { SystemChart } from '../lib/chart';
import { SecretSource } from '../lib/config/secret-reference';
import { checkCronScheduleWithSeconds } from '../lib/core/cron';
import { PostgresCluster, PostgresClusterProps } from '../lib/datastores/postgres-cluster';
import { Environment, EnvironmentName, EnvironmentSettings } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { connect } from '../lib/network/network-policy';
import { checkManifests, failing } from '../lib/policy/policy';
import { Microservice } from '../lib/workload/microservice';
import { find, objects, testChart, webProps } from './util';

/** A valid cluster; tests change one thing at a time. */
function props(overrides: Partial<PostgresClusterProps> = {}): PostgresClusterProps {
  return {
    image: 'ghcr.io/cloudnative-pg/postgresql:16.4-standard-trixie',
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    storage: '20Gi',
    database: { name: 'shop', owner: 'shop' },
    backup: { schedule: '0 0 * * * *', retention: '30d' },
    ...overrides,
  };
}

function build(env: EnvironmentName, overrides: Partial<PostgresClusterProps> = {}): { chart: SystemChart; pg: PostgresCluster; all: any[] } {
  const chart = testChart(env);
  const pg = new PostgresCluster(chart, 'db', props(overrides));
  return { chart, pg, all: objects(chart) };
}

describe('PostgresCluster in a highly available environment', () => {
  const { pg, all } = build('production', { parameters: { max_connections: '200' } });
  const cluster = find(all, 'Cluster', 'db');

  test('three instances by default, one per node, PDBs by the operator, quorum replication', () => {
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec).toMatchObject({
      instances: 3,
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      enablePDB: true,
      postgresql: { synchronous: { method: 'any', number: 1, dataDurability: 'preferred' } },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      storage: { size: '20Gi' },
      bootstrap: { initdb: { database: 'shop', owner: 'shop', dataChecksums: true } },
    });
    expect(cluster.spec.postgresql.parameters).toEqual({ max_connections: '200', archive_timeout: '5min' });
    // The operator makes the PDBs; the construct renders none.
    expect(all.filter(o => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('WAL archiving and base backups through the barman-cloud plugin, on the environment\'s bucket, via Workload Identity', () => {
    expect(cluster.spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', enabled: true, isWALArchiver: true, parameters: { barmanObjectName: 'db-backups' } }]);
    expect(cluster.spec.serviceAccountTemplate.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'pg-backups@fleet-production.iam.gserviceaccount.com' });
    const store = find(all, 'ObjectStore', 'db-backups');
    expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
    expect(store.spec).toMatchObject({
      configuration: { destinationPath: 'gs://fleet-production-pg-backups/shop', googleCredentials: { gkeEnvironment: true } },
      retentionPolicy: '30d',
    });
    expect(JSON.stringify(store)).not.toMatch(/applicationCredentials|s3Credentials/);
    expect(find(all, 'ScheduledBackup', 'db-base-backup').spec).toEqual({
      cluster: { name: 'db' }, schedule: '0 0 * * * *', method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      immediate: true, backupOwnerReference: 'self',
    });
  });

  test('the ObjectStore applies before the Cluster, the schedule after it', () => {
    const wave = (kind: string, name: string) => find(all, kind, name).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect([wave('ObjectStore', 'db-backups'), wave('Cluster', 'db'), wave('ScheduledBackup', 'db-base-backup')]).toEqual(['-2', '-1', '0']);
  });

  test('typed connection: the -rw Service, the operator\'s -app Secret; reporting on -ro', () => {
    expect(pg.connection).toEqual({
      host: 'db-rw', port: 5432, database: 'shop', user: 'shop',
      password: { secretName: 'db-app', key: 'password', source: SecretSource.OPERATOR },
    });
    expect(pg.readOnlyConnection.host).toBe('db-ro');
    expect(cluster.spec.managed.services.disabledDefaultServices).toEqual(['r']);
  });

  test('a PodMonitor on port metrics whose job is the cluster name', () => {
    const monitor = find(all, 'PodMonitor', 'db');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec).toMatchObject({
      jobLabel: 'cnpg.io/cluster',
      selector: { matchLabels: { 'cnpg.io/cluster': 'db', 'cnpg.io/podRole': 'instance' } },
      namespaceSelector: { matchNames: ['shop'] },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
    expect(cluster.spec.monitoring).toBeUndefined(); // enablePodMonitor is deprecated: not used
  });

  test('NetworkPolicy: instances, the operator (the platform\'s namespace for it), Prometheus; out to the API server, storage and the metadata server', () => {
    const np = find(all, 'NetworkPolicy', 'db').spec;
    expect(np.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'db' } });
    const tcp = (...ports: number[]) => ports.map(port => ({ port, protocol: 'TCP' }));
    expect(np.ingress).toEqual(expect.arrayContaining([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } } }], ports: tcp(5432, 8000) },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: tcp(9187) },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'cnpg.io/cluster': 'db' } } }], ports: tcp(5432, 8000) },
    ]));
    expect(np.ingress).toHaveLength(3);
    expect(np.egress).toEqual(expect.arrayContaining([
      { to: [{ ipBlock: { cidr: '172.16.0.32/28' } }], ports: tcp(443) },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }], ports: tcp(443) },
      { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: tcp(80) },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'cnpg.io/cluster': 'db' } } }], ports: tcp(5432, 8000) },
    ]));
  });

  test('connect(app, postgres, ["postgres"]) lets the app reach the instances on 5432, and nothing else', () => {
    const chart = testChart('production');
    const db = new PostgresCluster(chart, 'db', props());
    const web = new Microservice(chart, 'web', webProps());
    connect(web, db, ['postgres']);
    const all2 = objects(chart);
    expect(find(all2, 'NetworkPolicy', 'web').spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'cnpg.io/cluster': 'db' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(() => connect(web, db, ['metrics'])).toThrow('production-shop/web: network peer db has no port named "metrics". Fix: use one of: postgres');
  });

  test('the policy gate accepts it: the operator\'s pods stand in for a template', () => {
    const manifests = all.map(o => ({ file: `production/shop/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, env: 'production', object: o }));
    expect(failing(checkManifests(manifests))).toEqual([]);
    // A PodMonitor that selects no pod is caught.
    const stray = { ...find(all, 'PodMonitor', 'db'), metadata: { ...find(all, 'PodMonitor', 'db').metadata, name: 'stray' } };
    stray.spec = { ...stray.spec, selector: { matchLabels: { 'cnpg.io/cluster': 'other' } } };
    const findings = checkManifests([...manifests, { file: 'production/shop/podmonitor-stray.yaml', env: 'production', object: stray }]);
    expect(failing(findings).map(f => `${f.object} ${f.check}`)).toEqual(['PodMonitor/stray podmonitor-selects']);
  });

  test('queryStatistics: a custom-queries ConfigMap the Cluster names', () => {
    const { all: withStats } = build('production', { parameters: { 'pg_stat_statements.track': 'top' }, queryStatistics: true });
    const cm = find(withStats, 'ConfigMap', 'db-monitoring');
    expect(cm.metadata.labels['cnpg.io/reload']).toBe('');
    expect(cm.data.queries).toMatch(/^pg_stat_statements:\n {2}query: \|/);
    expect(cm.data.queries).toMatch(/total_exec_time_seconds:\n {8}usage: COUNTER/);
    expect(find(withStats, 'Cluster', 'db').spec.monitoring).toEqual({ customQueriesConfigMap: [{ name: 'db-monitoring', key: 'queries' }] });
  });

  test('extensions are created in the application database at bootstrap', () => {
    const { all: withVector } = build('production', { database: { name: 'app', owner: 'app', extensions: ['vector'] } });
    expect(find(withVector, 'Cluster', 'db').spec.bootstrap.initdb.postInitApplicationSQL).toEqual(['CREATE EXTENSION IF NOT EXISTS vector']);
  });
});

describe('PostgresCluster restored from another cluster\'s backups', () => {
  test('bootstrap.recovery to a point in time, through the plugin, from the old cluster\'s folder', () => {
    const { all } = build('production', { restoreFrom: { cluster: 'olddb', targetTime: '2026-11-26 10:40:00+00' } });
    const spec = find(all, 'Cluster', 'db').spec;
    expect(spec.bootstrap).toEqual({ recovery: { source: 'olddb', database: 'shop', owner: 'shop', recoveryTarget: { targetTime: '2026-11-26 10:40:00+00' } } });
    expect(spec.externalClusters).toEqual([{ name: 'olddb', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'db-backups', serverName: 'olddb' } } }]);
    // It archives on, to its own folder (serverName defaults to its name).
    expect(spec.plugins[0]).toMatchObject({ isWALArchiver: true, parameters: { barmanObjectName: 'db-backups' } });
  });
  test('refuses to restore into itself, or to a time without a zone', () => {
    expect(() => build('production', { restoreFrom: { cluster: 'db' } })).toThrow(
      'production-shop/db: restoreFrom.cluster "db" is this cluster. Fix: restore into a cluster of another name (e.g. "db-restored"): its WAL archive must not mix with the one it restores from');
    expect(() => build('production', { restoreFrom: { cluster: 'olddb', targetTime: '2026-11-26 10:40' } })).toThrow(
      'production-shop/db: restoreFrom.targetTime "2026-11-26 10:40" is not a timestamp with a time zone. Fix: write "YYYY-MM-DD HH:MM:SS" and the zone, e.g. "2026-11-26 10:40:00+00"');
  });
});

describe('PostgresCluster in dev', () => {
  const { pg, all } = build('dev');
  const spec = find(all, 'Cluster', 'db').spec;
  test('one instance: no PDB (a drain would never finish), no synchronous standby, reporting on -r', () => {
    expect(spec.instances).toBe(1);
    expect(spec.enablePDB).toBe(false);
    expect(spec.postgresql.synchronous).toBeUndefined();
    expect(spec.affinity.podAntiAffinityType).toBe('preferred');
    expect(spec.topologySpreadConstraints).toBeUndefined();
    expect(spec.managed.services.disabledDefaultServices).toEqual(['ro']);
    expect(pg.readOnlyConnection.host).toBe('db-r');
  });
  test('backups and archiving all the same, to dev\'s own bucket', () => {
    expect(find(all, 'ObjectStore', 'db-backups').spec.configuration.destinationPath).toBe('gs://fleet-dev-pg-backups/shop');
    expect(spec.plugins[0].isWALArchiver).toBe(true);
  });
  test('asynchronous replication when asked', () => {
    const { all: async } = build('staging', { instances: 2, replication: 'async' });
    expect(find(async, 'Cluster', 'db').spec.postgresql.synchronous).toBeUndefined();
  });
});

describe('PostgresCluster refuses bad input with the path, the value and the fix', () => {
  const cases: Array<[string, EnvironmentName, Partial<PostgresClusterProps>, string]> = [
    ['no instance', 'dev', { instances: 0 }, 'dev-shop/db: instances 0 is not a whole number ≥ 1. Fix: use a whole number of at least 1'],
    ['one instance in production', 'production', { instances: 1 },
      'production-shop/db: instances is 1 in production, which must be highly available. Fix: run at least 2 instances (3 in production) so that losing or draining a node promotes a standby instead of stopping the database'],
    ['retention with a space', 'production', { backup: { schedule: '0 0 * * * *', retention: '30 days' } },
      'production-shop/db: backup.retention "30 days" is not a retention policy. Fix: write a whole number of days, weeks or months without spaces, e.g. "30d", "4w" or "3m"'],
    ['retention in hours', 'production', { backup: { schedule: '0 0 * * * *', retention: '48h' } },
      'production-shop/db: backup.retention "48h" is not a retention policy. Fix: write a whole number of days, weeks or months without spaces, e.g. "30d", "4w" or "3m"'],
    ['a five-field schedule', 'production', { backup: { schedule: '0 2 * * *', retention: '30d' } },
      'production-shop/db: backup.schedule "0 2 * * *" has five fields, but this schedule has a seconds field first, so it would run at second 0, minute 2, hour *. Fix: prepend the seconds: "0 0 2 * * *"'],
    ['a schedule out of range', 'production', { backup: { schedule: '0 0 25 * * *', retention: '30d' } },
      'production-shop/db: backup.schedule "0 0 25 * * *" is not a valid cron expression: hour field "25": 25 is above 23. Fix: keep the hour within 0-23, steps above 0; write second minute hour day-of-month month day-of-week, e.g. "0 0 2 * * *" for 02:00 daily or "0 0 * * * *" hourly, or a descriptor such as "@daily"'],
    ['storage without a unit', 'production', { storage: '100' },
      'production-shop/db: storage "100" is 100 bytes, almost certainly a missing unit. Fix: add a binary suffix, e.g. "100Mi"'],
    ['storage in decimal gigabytes spelt wrong', 'production', { storage: '10GB' },
      'production-shop/db: storage "10GB" is not a resource quantity. Fix: write cpu as cores or millicores ("2", "500m") and memory or storage with a binary suffix ("512Mi", "2Gi")'],
    ['storage below 1Gi', 'production', { storage: '500Mi' },
      'production-shop/db: storage "500Mi" is below 1Gi. Fix: give each instance at least "1Gi" of data volume (WAL alone needs room)'],
    ['shared_preload_libraries', 'production', { parameters: { shared_preload_libraries: 'pg_stat_statements' } },
      'production-shop/db: postgresql parameter "shared_preload_libraries" is managed by CloudNativePG. Fix: set a parameter of the extension instead (e.g. "pg_stat_statements.track": "top"): the operator then preloads the library and creates the extension'],
    ['a fixed parameter', 'production', { parameters: { port: '5433' } },
      'production-shop/db: postgresql parameter "port" is fixed by CloudNativePG, whose webhook refuses it. Fix: remove it: the operator sets it for every instance'],
    ['archive_timeout as a parameter', 'production', { parameters: { archive_timeout: '1min' } },
      'production-shop/db: postgresql parameter "archive_timeout" is set through backup.archiveTimeout. Fix: move it to backup.archiveTimeout, where the recovery point is decided'],
    ['a number as a parameter value', 'production', { parameters: { max_connections: 200 as unknown as string } },
      'production-shop/db: postgresql parameter "max_connections" has the value 200. Fix: give every parameter a non-empty string, e.g. "200" or "1536MB"'],
    ['archive_timeout of zero', 'production', { backup: { schedule: '0 0 * * * *', retention: '30d', archiveTimeout: '0' } },
      'production-shop/db: backup.archiveTimeout "0" is zero, which turns it off. Fix: give a positive time, e.g. "1min": without it a quiet database\'s last writes may never reach the archive'],
    ['archive_timeout in Prometheus units', 'production', { backup: { schedule: '0 0 * * * *', retention: '30d', archiveTimeout: '1m' } },
      'production-shop/db: backup.archiveTimeout "1m" is not a PostgreSQL time. Fix: write a whole number with ms, s, min, h or d, e.g. "60s" or "5min"'],
    ['pgvector on a minimal image', 'production', { image: 'ghcr.io/cloudnative-pg/postgresql:16.4-minimal-trixie', database: { name: 'app', owner: 'app', extensions: ['vector'] } },
      'production-shop/db: database.extensions has "vector" but image "ghcr.io/cloudnative-pg/postgresql:16.4-minimal-trixie" is a minimal image, which has no pgvector. Fix: use the standard image of the same version (its tag has "-standard-" instead of "-minimal-")'],
    ['an image tag without the major version', 'production', { image: 'ghcr.io/cloudnative-pg/postgresql:standard-16' },
      'production-shop/db: image "ghcr.io/cloudnative-pg/postgresql:standard-16" has a tag that does not start with the PostgreSQL major version. Fix: use a CloudNativePG operand image tag such as "16.4-standard-trixie": the operator reads the major version from it'],
    ['quorum replication with one instance', 'dev', { replication: 'quorum' },
      'dev-shop/db: replication "quorum" needs a standby, but instances is 1. Fix: run at least 2 instances, or use replication "async"'],
    ['the superuser as owner', 'production', { database: { name: 'app', owner: 'postgres' } },
      'production-shop/db: database.owner "postgres" is the superuser. Fix: give the applications their own role, e.g. the database name'],
    ['a database name with a dash', 'production', { database: { name: 'my-app', owner: 'app' } },
      'production-shop/db: database.name "my-app" is not a plain PostgreSQL identifier. Fix: use at most 63 lowercase letters, digits and \'_\', starting with a letter or \'_\''],
    ['query statistics without pg_stat_statements', 'production', { queryStatistics: true },
      'production-shop/db: queryStatistics is set but no pg_stat_statements.* parameter is. Fix: add e.g. parameters["pg_stat_statements.track"] = "top": the operator then preloads pg_stat_statements and creates the extension'],
    ['a sidecar limit below its request', 'production', { backup: { schedule: '0 0 * * * *', retention: '30d', sidecarResources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } } } },
      'production-shop/db: resources.limits.cpu "500m" is below its request "1". Fix: raise the cpu limit to at least 1, or lower the request'],
  ];
  test.each(cases)('%s', (_title, env, overrides, message) => {
    expect(() => build(env, overrides)).toThrow(message);
  });

  test('a cluster name longer than 50 characters (the operator\'s limit)', () => {
    const name = `db-${'x'.repeat(48)}`;
    expect(() => new PostgresCluster(testChart('production'), name, props())).toThrow(
      `production-shop/${name}: cluster name "${name}" is 51 characters, longer than 50. Fix: use at most 50 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`);
  });
  test('a cluster name starting with a digit', () => {
    expect(() => new PostgresCluster(testChart('production'), '1db', props())).toThrow(
      'production-shop/1db: cluster name "1db" starts with a digit, so it is not a DNS-1035 label (a Service name)');
  });
});

describe('six-field schedules (seconds first)', () => {
  const scope = testChart('dev');
  test.each(['0 0 * * * *', '0 0 2 * * *', '30 */15 * * * MON-FRI', '0 0 0 1 JAN,JUL ?', '@daily', '@every 6h'])('accepts %s', s => {
    expect(() => checkCronScheduleWithSeconds(scope, 'schedule', s)).not.toThrow();
  });
  test.each([
    ['60 0 * * * *', 'second field "60": 60 is above 59'],
    ['0 0 * * *', 'has five fields'],
    ['0 0 0 * * * *', 'is not a six-field cron expression (it has 7 fields)'],
    ['0 */0 * * * *', 'minute field "*/0": step "/0" is zero'],
    ['TZ=UTC 0 0 * * * *', 'names a time zone'],
    ['@fortnightly', 'is not a known descriptor'],
  ])('refuses %s', (s, problem) => {
    expect(() => checkCronScheduleWithSeconds(scope, 'schedule', s)).toThrow(problem);
  });
});

describe('object storage and CloudNativePG settings are checked with the environment', () => {
  const make = (patch: (s: any) => void): (() => Environment) => () => {
    const settings = JSON.parse(JSON.stringify(ENVIRONMENTS.production));
    patch(settings);
    return new Environment(settings as EnvironmentSettings);
  };
  test.each<[string, (s: any) => void, string]>([
    ['a bucket with uppercase letters', s => { s.objectStorage.backups.bucket = 'Fleet-Backups'; },
      'environments/production: objectStorage.backups.bucket "Fleet-Backups" is not 3-63 lowercase letters, digits, \'-\' and \'_\', starting and ending with a letter or digit. Fix: use the bucket\'s Cloud Storage name, e.g. "fleet-production-pg-backups"'],
    ['a bucket Google reserves', s => { s.objectStorage.audio.bucket = 'google-audio'; },
      'environments/production: objectStorage.audio.bucket "google-audio" starts with "goog" or contains "google", which Cloud Storage reserves'],
    ['a service account that is not an e-mail', s => { s.objectStorage.audio.serviceAccount = 'ariaforge-audio'; },
      'environments/production: objectStorage.audio.serviceAccount "ariaforge-audio" is not a Google service account e-mail'],
    ['backups sharing the audio bucket', s => { s.objectStorage.audio.bucket = s.objectStorage.backups.bucket; },
      'environments/production: objectStorage.backups and objectStorage.audio share a bucket. Fix: give backups their own bucket: the backup retention deletes whatever is older in its bucket'],
    ['an API server address with host bits', s => { s.kubernetesApi.cidr = '172.16.0.34/28'; },
      'environments/production: kubernetesApi.cidr "172.16.0.34/28" is not an IPv4 network'],
    ['an API server port out of range', s => { s.kubernetesApi.port = 0; },
      'environments/production: kubernetesApi.port 0 is not a port'],
  ])('%s', (_title, patch, message) => {
    expect(make(patch)).toThrow(message);
  });
  test('the environments as configured pass', () => {
    for (const name of ['dev', 'staging', 'production'] as const) {
      expect(() => new Environment(ENVIRONMENTS[name])).not.toThrow();
    }
    expect(new Set(Object.values(ENVIRONMENTS).map(e => e.objectStorage.backups.bucket)).size).toBe(3);
  });
  test('the ServiceAccount of a cluster follows the environment', () => {
    const app = new App({ outdir: '/dev/null' });
    const settings = { ...ENVIRONMENTS.staging, objectStorage: { ...ENVIRONMENTS.staging.objectStorage, backups: { bucket: 'other-backups', serviceAccount: 'other-writer@some-project.iam.gserviceaccount.com' } } };
    const chart = new SystemChart(app, { environment: new Environment(settings), system: 'shop' });
    new PostgresCluster(chart, 'db', props({ instances: 2 }));
    const all = objects(chart);
    expect(find(all, 'Cluster', 'db').spec.serviceAccountTemplate.metadata.annotations['iam.gke.io/gcp-service-account']).toBe('other-writer@some-project.iam.gserviceaccount.com');
    expect(find(all, 'ObjectStore', 'db-backups').spec.configuration.destinationPath).toBe('gs://other-backups/shop');
  });
});
