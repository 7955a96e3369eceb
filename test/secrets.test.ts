import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { SystemChart } from '../lib/chart';
import { useSecretKeyReference, SecretReference } from '../lib/config/secret-reference';
import { goDurationSeconds } from '../lib/core/go-duration';
import { Environment, EnvironmentName, SecretManager } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { BackupJob } from '../lib/backup/backup-job';
import { RemoteSecretKey } from '../lib/secrets/remote-secret-key';
import { secretInventory } from '../lib/secrets/secret-inventory';
import { RELOAD_ON_SECRETS_ANNOTATION } from '../lib/secrets/secret-rotation';
import { StatefulService } from '../lib/stateful/stateful-service';
import { Worker, WorkerProps } from '../lib/workload/worker';
import { renderShop } from './fixtures/shop';
import { find, objects } from './util';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const worker: WorkerProps = { image: 'ghcr.io/acme/worker:1.0.0', resources, ports: [{ name: 'metrics', containerPort: 9100 }] };

/** A system chart in `env`, optionally with another secret manager or store settings. */
function chart(env: EnvironmentName = 'production', store: Partial<Environment['settings']['secretStore']> = {}): SystemChart {
  const settings = ENVIRONMENTS[env];
  const environment = new Environment({ ...settings, secretStore: { ...settings.secretStore, ...store } });
  return new SystemChart(new App({ outdir: '/dev/null' }), { environment, system: 'shop' });
}

const externalSecrets = (c: SystemChart) => objects(c).filter(o => o.kind === 'ExternalSecret');
const aws: SecretManager = { kind: 'aws-secrets-manager', region: 'eu-west-1' };
const vault: SecretManager = { kind: 'vault', server: 'https://vault.example.com', path: 'secret', role: 'fleet' };

describe('ExternalSecrets rendered from the Secret keys the constructs read', () => {
  test('two workloads sharing a Secret with different keys: one ExternalSecret with the union of the keys, sorted', () => {
    const c = chart();
    const secrets = SecretReference.fromName('shop-secrets');
    new Worker(c, 'mailer', { ...worker, secretEnv: { SMTP_PASSWORD: secrets.key('SMTP_PASSWORD'), API_TOKEN: secrets.key('API_TOKEN') } });
    new Worker(c, 'billing', { ...worker, secretEnv: { TOKEN: secrets.key('API_TOKEN'), STRIPE_KEY: secrets.key('STRIPE_KEY') } });
    const [es, ...more] = externalSecrets(c);
    expect(more).toEqual([]);
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata).toMatchObject({ name: 'shop-secrets', namespace: 'shop', annotations: { 'argocd.argoproj.io/sync-wave': '-2' } });
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'fleet-secrets' },
      target: { name: 'shop-secrets', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'API_TOKEN', remoteRef: { key: 'shop__shop-secrets__API_TOKEN' } },
        { secretKey: 'SMTP_PASSWORD', remoteRef: { key: 'shop__shop-secrets__SMTP_PASSWORD' } },
        { secretKey: 'STRIPE_KEY', remoteRef: { key: 'shop__shop-secrets__STRIPE_KEY' } },
      ],
    });
  });

  test('store name and refresh interval come from the environment settings', () => {
    const c = chart('dev', { storeName: 'dev-store', refreshInterval: '15m' });
    new Worker(c, 'w', { ...worker, secretEnv: { T: SecretReference.fromName('tokens').key('t') } });
    expect(find(objects(c), 'ExternalSecret', 'tokens').spec).toMatchObject({ refreshInterval: '15m', secretStoreRef: { name: 'dev-store' } });
  });

  test('every kind of reader counts: a datastore, its exporter sidecar and a backup job', () => {
    const c = chart();
    const secrets = SecretReference.fromName('db-secrets');
    new StatefulService(c, 'db', {
      image: 'docker.io/library/postgres:16.4', resources, ports: [{ name: 'postgres', containerPort: 5432 }],
      dataVolume: { size: '1Gi', mountPath: '/data' }, secretEnv: { POSTGRES_PASSWORD: secrets.key('password') },
      exporter: { image: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0', port: 9187, resources, secretEnv: { DATA_SOURCE_PASS: secrets.key('exporter-password') } },
    });
    new BackupJob(c, 'backup', { image: 'docker.io/library/postgres:16.4', resources, schedule: '0 2 * * *', secretEnv: { PGPASSWORD: secrets.key('backup-password') } });
    expect(find(objects(c), 'ExternalSecret', 'db-secrets').spec.data.map((d: any) => d.secretKey))
      .toEqual(['backup-password', 'exporter-password', 'password']);
  });

  test('a Secret an operator generates renders nothing', () => {
    const c = chart();
    new Worker(c, 'w', { ...worker, secretEnv: { DB_PASSWORD: SecretReference.fromOperator('db-app').key('password') } });
    expect(externalSecrets(c)).toEqual([]);
    expect(find(objects(c), 'Deployment', 'w').spec.template.spec.containers[0].env)
      .toEqual([{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-app', key: 'password' } } }]);
  });

  test('one Secret read both from the secret manager and as an operator\'s is refused, naming both readers', () => {
    const c = chart();
    new Worker(c, 'a', { ...worker, secretEnv: { P: SecretReference.fromOperator('db-app').key('password') } });
    expect(() => new Worker(c, 'b', { ...worker, secretEnv: { P: SecretReference.fromName('db-app').key('password') } }))
      .toThrow(/production-shop\/b: Secret db-app is read as SecretReference.fromName\(\.\.\.\) here but as SecretReference.fromOperator\(\.\.\.\) by production-shop\/a\. Fix: decide who makes db-app/);
  });

  test('a Secret read outside a system chart is refused: nothing would produce it', () => {
    const scope = new Construct(new Chart(new App({ outdir: '/dev/null' }), 'plain'), 'user');
    expect(() => useSecretKeyReference(scope, 'secretEnv T', SecretReference.fromName('s').key('k')))
      .toThrow(/plain\/user: reads a Secret but is not inside a SystemChart/);
  });

  test('the AppProject of a system that reads Secrets allows ExternalSecrets', () => {
    const project = renderShop({}, ['production']).find(f => f.path === 'production/argocd/appproject-shop.yaml')!.object;
    expect(project.spec.namespaceResourceWhitelist).toContainEqual({ group: 'external-secrets.io', kind: 'ExternalSecret' });
  });
});

describe('RemoteSecretKey: where a key lives in the secret manager', () => {
  const address = { environment: 'production', namespace: 'shop', secretName: 'shop.tokens', key: 'api.token' };
  const scope = () => new Construct(new App({ outdir: '/dev/null' }), 'user');

  test('GCP Secret Manager: one secret per key, <namespace>__<secret>__<key> with dots written as "_"', () => {
    const r = RemoteSecretKey.of(scope(), ENVIRONMENTS.production.secretStore.manager, address);
    expect(r.toRemoteRef()).toEqual({ key: 'shop__shop_tokens__api_token' });
    expect(r.describe()).toBe('secret `shop__shop_tokens__api_token` in project fleet-production');
  });

  test('AWS Secrets Manager and Vault: one secret per Kubernetes Secret, a JSON property per key (dots escaped for gjson)', () => {
    expect(RemoteSecretKey.of(scope(), aws, address).toRemoteRef()).toEqual({ key: 'production/shop/shop.tokens', property: 'api\\.token' });
    expect(RemoteSecretKey.of(scope(), vault, { ...address, key: 'TOKEN' }).toRemoteRef()).toEqual({ key: 'production/shop/shop.tokens', property: 'TOKEN' });
  });

  test('a GCP secret ID longer than 255 characters is refused, naming it and the fix', () => {
    expect(() => RemoteSecretKey.of(scope(), ENVIRONMENTS.production.secretStore.manager, { ...address, key: 'k'.repeat(240) }))
      .toThrow(/^user: GCP Secret Manager secret ID "shop__shop_tokens__k+" for key k+ of Secret shop\.tokens is 259 characters, longer than the 255 GCP allows\. Fix: shorten the Secret name or the key/);
  });

  test('two keys of one Secret that GCP cannot tell apart are refused at the second reader', () => {
    const c = chart();
    const s = SecretReference.fromName('tls');
    new Worker(c, 'a', { ...worker, secretEnv: { A: s.key('ca.crt') } });
    expect(() => new Worker(c, 'b', { ...worker, secretEnv: { B: s.key('ca_crt') } }))
      .toThrow(/production-shop\/b: keys "ca_crt" and "ca.crt" of Secret tls both map to secret `shop__tls__ca_crt` in project fleet-production \(read by production-shop\/a\)\. Fix: rename one of the keys/);
  });

  test('the same keys under AWS are two properties, so nothing is refused', () => {
    const c = chart('production', { manager: aws });
    const s = SecretReference.fromName('tls');
    new Worker(c, 'a', { ...worker, secretEnv: { A: s.key('ca.crt'), B: s.key('ca_crt') } });
    expect(find(objects(c), 'ExternalSecret', 'tls').spec.data.map((d: any) => d.remoteRef))
      .toEqual([{ key: 'production/shop/tls', property: 'ca\\.crt' }, { key: 'production/shop/tls', property: 'ca_crt' }]);
  });
});

describe('secret store settings', () => {
  test.each([
    ['0s', /secretStore\.refreshInterval "0s" is zero, so External Secrets fetches each Secret once and never picks up a rotation/],
    ['1 hour', /secretStore\.refreshInterval "1 hour" is not a Go duration\. Fix: write it like "1h"/],
  ])('refresh interval %j is refused', (refreshInterval, message) => {
    expect(() => chart('staging', { refreshInterval })).toThrow(message);
  });

  test('a store name that cannot be an object name is refused', () => {
    expect(() => chart('staging', { storeName: 'Fleet Secrets' })).toThrow(/^environments\/staging: secretStore\.storeName "Fleet Secrets" is not a DNS-1123 subdomain/);
  });

  test('Go durations, as time.ParseDuration reads them', () => {
    expect(['1h', '1h30m', '90s', '0s', '0', '1.5h', '.5s', '300ms', '-1m', '+2m'].map(goDurationSeconds))
      .toEqual([3600, 5400, 90, 0, 0, 5400, 0.5, 0.3, -60, 120]);
    expect(['1.h', '2µs', '2μs', '-0', '0.1ns', '2562047h'].map(goDurationSeconds)).toEqual([3600, 0.000002, 0.000002, 0, 0, 9223369200]);
    // Prometheus's days and weeks, a number without a unit, a unit without a number, spaces,
    // beyond an int64 of nanoseconds.
    expect(['1d', '2w', '10', 'h', '.h', '1 h', '', '2562048h'].map(goDurationSeconds)).toEqual(Array(8).fill(undefined));
  });
});

describe('rotation: Deployments restart when a Secret they read changes', () => {
  test('a Deployment names every Secret its containers read into the environment; Jobs and StatefulSets are left alone', () => {
    const c = chart();
    new Worker(c, 'w', { ...worker, secretEnv: { A: SecretReference.fromName('b-secrets').key('a'), B: SecretReference.fromOperator('a-app').key('password') } });
    new Worker(c, 'plain', worker);
    new BackupJob(c, 'backup', { image: 'docker.io/library/postgres:16.4', resources, schedule: '0 2 * * *', secretEnv: { P: SecretReference.fromName('b-secrets').key('p') } });
    new StatefulService(c, 'db', {
      image: 'docker.io/library/postgres:16.4', resources, ports: [{ name: 'postgres', containerPort: 5432 }],
      dataVolume: { size: '1Gi', mountPath: '/data' }, secretEnv: { POSTGRES_PASSWORD: SecretReference.fromName('b-secrets').key('p') },
    });
    const all = objects(c);
    expect(find(all, 'Deployment', 'w').metadata.annotations[RELOAD_ON_SECRETS_ANNOTATION]).toBe('a-app,b-secrets');
    expect(find(all, 'StatefulSet', 'db').metadata.annotations[RELOAD_ON_SECRETS_ANNOTATION]).toBeUndefined();
    expect(find(all, 'Deployment', 'plain').metadata.annotations[RELOAD_ON_SECRETS_ANNOTATION]).toBeUndefined();
    expect(find(all, 'CronJob', 'backup').metadata.annotations[RELOAD_ON_SECRETS_ANNOTATION]).toBeUndefined();
  });
});

describe('the Secrets section of a system README', () => {
  test('lists each entry to create with its readers, and what the cluster makes', () => {
    const c = chart();
    const s = SecretReference.fromName('shop-secrets');
    new Worker(c, 'mailer', { ...worker, secretEnv: { P: s.key('SMTP_PASSWORD'), D: SecretReference.fromOperator('db-app').key('password') } });
    new Worker(c, 'billing', { ...worker, secretEnv: { P: s.key('SMTP_PASSWORD'), K: s.key('STRIPE_KEY') } });
    const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db', namespace: 'shop' }, spec: { instances: 1 } };
    const md = secretInventory({ objects: [...objects(c), cluster], store: ENVIRONMENTS.production.secretStore });
    expect(md).toContain('GCP Secret Manager of project `fleet-production`');
    expect(md).toContain('| shop-secrets | SMTP_PASSWORD | `shop__shop-secrets__SMTP_PASSWORD` | billing, mailer |');
    expect(md).toContain('| shop-secrets | STRIPE_KEY | `shop__shop-secrets__STRIPE_KEY` | billing |');
    expect(md).toContain('| db-app | CloudNativePG | Cluster/db | mailer |');
    expect(md).not.toContain('db-ca'); // made, but read by nothing
  });

  test('is empty for a system that reads no Secret', () => {
    const c = chart();
    new Worker(c, 'w', worker);
    expect(secretInventory({ objects: objects(c), store: ENVIRONMENTS.production.secretStore })).toBe('');
  });
});
