import { hasSchema, schemaErrors } from '../lib/policy/schema-validation';

// Custom kinds are checked against their CRD's own schema (imports/crd-schemas.json).
describe('schema check of custom kinds from their CRDs', () => {
  test('every operator kind the platform renders has a schema', () => {
    for (const [apiVersion, kind] of [['postgresql.cnpg.io/v1', 'Cluster'], ['external-secrets.io/v1', 'ExternalSecret'],
      ['barmancloud.cnpg.io/v1', 'ObjectStore'], ['rabbitmq.com/v1beta1', 'RabbitmqCluster'],
      ['redis.redis.opstreelabs.in/v1beta2', 'RedisSentinel'], ['cert-manager.io/v1', 'ClusterIssuer'],
      ['gateway.networking.k8s.io/v1', 'HTTPRoute'], ['monitoring.coreos.com/v1', 'PodMonitor']]) {
      expect([apiVersion, kind, hasSchema(apiVersion, kind)]).toEqual([apiVersion, kind, true]);
    }
  });

  test('a wrong type, a value outside an enum and a missing required field are refused', () => {
    expect(schemaErrors({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' }, spec: { instances: 'three' } }))
      .toEqual(['spec.instances must be integer']);
    expect(schemaErrors({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'b' },
      spec: { schedule: '0 0 * * * *', cluster: { name: 'db' }, method: 'tape' } }))
      .toEqual([expect.stringMatching(/^spec\.method must be equal to one of the allowed values/)]);
    expect(schemaErrors({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 's' },
      spec: { data: [{ secretKey: 'password' }] } })).toEqual(["spec.data[0] must have required property 'remoteRef'"]);
  });

  test('a valid custom resource passes', () => {
    expect(schemaErrors({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' },
      spec: { instances: 3, storage: { size: '100Gi' } } })).toEqual([]);
  });

  test('a CRD pattern with Go\'s inline (?i) flag compiles and still judges (AlertmanagerConfig month names)', () => {
    const config = (months: string[]) => ({
      apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'AlertmanagerConfig', metadata: { name: 'a' },
      spec: { muteTimeIntervals: [{ name: 'holidays', timeIntervals: [{ months }] }] },
    });
    expect(schemaErrors(config(['December', 'january:march', '7']))).toEqual([]);
    expect(schemaErrors(config(['Smarch']))).toEqual([expect.stringMatching(/^spec\.muteTimeIntervals\[0\]\.timeIntervals\[0\]\.months\[0\] must match pattern/)]);
  });
});
