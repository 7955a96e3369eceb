import * as path from 'path';
import { CheckOptions, checkManifests, EXEMPT_PREFIX, failing, formatFindings, Manifest } from '../lib/policy/policy';
import { renderShop } from './fixtures/shop';
import { readWorkingTree } from '../scripts/diff';

/** Every manifest in the committed dist/ (as the working tree has it). */
function committedDist(): Manifest[] {
  return [...readWorkingTree(path.join(__dirname, '..'))].map(([file, object]) => ({ file, env: file.split('/')[0], object }));
}

/**
 * The tool's fixture system (test/fixtures/shop.ts), valid, to break one thing at a time: in
 * production with both edges (a cut-over), so that its Ingresses and its HTTPRoutes, with the
 * Gateway they attach to, are all checked.
 */
const shopFiles = renderShop({ edge: 'both' }, ['production']);
const sample = shopFiles.filter(f => /^production\/(shop|platform-config)\//.test(f.path) && f.object);
function system(): Manifest[] {
  return sample.map(f => ({ file: f.path, env: 'production', object: JSON.parse(JSON.stringify(f.object)) }));
}
const BOTH: CheckOptions = { edges: { production: { edge: 'both', ingressClassName: 'nginx' } } };
/** The gate, with production's edge "both", as the sample is rendered. */
const gate = (ms: Manifest[], options: CheckOptions = BOTH) => checkManifests(ms, options);
function obj(ms: Manifest[], kind: string, name: string): any {
  return ms.find(m => m.object.kind === kind && m.object.metadata.name === name)!.object;
}
function checksFailing(ms: Manifest[], options: CheckOptions = BOTH): string[] {
  return [...new Set(failing(gate(ms, options)).map(f => `${f.object} ${f.check}`))].sort();
}

describe('policy gate', () => {
  test('every object in the committed dist/ passes', () => {
    const manifests = committedDist();
    expect(manifests.length).toBeGreaterThan(500); // every environment, every system, Argo CD
    const findings = failing(checkManifests(manifests));
    expect(formatFindings(findings)).toBe('');
  });

  test('the unmodified sample passes', () => {
    expect(checksFailing(system())).toEqual([]);
  });

  const mutations: Array<[string, (ms: Manifest[]) => void, string]> = [
    ['root user', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].securityContext.runAsUser = 0; },
      'Deployment/web-blue container-security-context-user-group-id'],
    ['privilege escalation', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true; },
      'Deployment/web-blue pss-restricted'],
    ['hostPath volume', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.volumes.push({ name: 'h', hostPath: { path: '/' } }); },
      'Deployment/web-blue pss-restricted'],
    ['latest image', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].image = 'x/y:latest'; },
      'Deployment/web-blue container-image-tag'],
    ['missing limit', ms => { delete obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].resources.limits['ephemeral-storage']; },
      'Deployment/web-blue container-resources'],
    ['writable root', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; },
      'Deployment/web-blue container-security-context-readonlyrootfilesystem'],
    ['replicas on an autoscaled Deployment', ms => { obj(ms, 'Deployment', 'web-blue').spec.replicas = 3; },
      'Deployment/web-blue deployment-has-host-podantiaffinity-replicas'],
    ['no PDB in production', ms => { ms.splice(ms.findIndex(m => m.object.kind === 'PodDisruptionBudget' && m.object.metadata.name === 'web-blue'), 1); },
      'Deployment/web-blue poddisruptionbudget'],
    ['no NetworkPolicy', ms => { ms.splice(ms.findIndex(m => m.object.kind === 'NetworkPolicy' && m.object.metadata.name === 'mailer'), 1); },
      'Deployment/mailer pod-networkpolicy'],
    ['Service selecting nothing', ms => { obj(ms, 'Service', 'web').spec.selector.color = 'purple'; },
      'Service/web service-targets-pod'],
    ['Ingress to a missing port', ms => { obj(ms, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port.number = 1234; },
      'Ingress/web ingress-targets-service'],
    ['ServiceMonitor on an unknown port', ms => { obj(ms, 'ServiceMonitor', 'web').spec.endpoints[0].port = 'prom'; },
      'ServiceMonitor/web servicemonitor-port'],
    ['HPA without target', ms => { obj(ms, 'HorizontalPodAutoscaler', 'web-blue').spec.scaleTargetRef.name = 'gone'; },
      'HorizontalPodAutoscaler/web-blue horizontalpodautoscaler-has-target'],
    ['literal secret', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].env.push({ name: 'DB_PASSWORD2', value: 'x' }); },
      'Deployment/web-blue secret-literal'],
    ['missing namespace', ms => { delete obj(ms, 'ConfigMap', 'shop-config').metadata.namespace; },
      'ConfigMap/shop-config namespace'],
    ['NodePort Service', ms => { obj(ms, 'Service', 'web').spec.type = 'NodePort'; }, 'Service/web service-type'],
    ['Secret with data', ms => { ms.push({ file: 'production/shop/secret-x.yaml', env: 'production', object: { kind: 'Secret', metadata: { name: 'x', namespace: 'shop' }, data: { a: 'b' } } }); },
      'Secret/x secret-data'],
    // Schemas (kubernetes-models) and the strict Kubernetes 1.27 field pass
    ['replicas as a string', ms => { obj(ms, 'HorizontalPodAutoscaler', 'web-blue').spec.maxReplicas = '20'; },
      'HorizontalPodAutoscaler/web-blue schema'],
    ['a malformed quantity', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].resources.limits.cpu = '2 cores'; },
      'Deployment/web-blue schema'],
    ['a typo in an HPA field', ms => { const s = obj(ms, 'HorizontalPodAutoscaler', 'web-blue').spec; s.minReplica = s.minReplicas; delete s.minReplicas; },
      'HorizontalPodAutoscaler/web-blue unknown-field'],
    ['a typo in a ServiceMonitor endpoint', ms => { obj(ms, 'ServiceMonitor', 'web').spec.endpoints[0].intervall = '15s'; },
      'ServiceMonitor/web unknown-field'],
    ['a field newer than Kubernetes 1.27', ms => { obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].restartPolicy = 'Always'; },
      'Deployment/web-blue unknown-field'],
    ['an apiVersion 1.27 no longer serves', ms => { obj(ms, 'PodDisruptionBudget', 'web-blue').apiVersion = 'policy/v1beta1'; },
      'PodDisruptionBudget/web-blue unknown-field'],
    // The edge: routes attach to a Gateway listener that exists and admits them, and reach Services that exist.
    ['an HTTPRoute to a Gateway that is not rendered', ms => { ms.splice(ms.findIndex(m => m.object.kind === 'Gateway'), 1); },
      'HTTPRoute/web route-parent'],
    ['an HTTPRoute to a listener the Gateway lacks', ms => { obj(ms, 'HTTPRoute', 'web').spec.parentRefs[0].sectionName = 'shop.example.org'; },
      'HTTPRoute/web route-parent'],
    ['a listener that does not admit the route\'s namespace', ms => {
      obj(ms, 'Gateway', 'edge').spec.listeners.find((l: any) => l.name === 'shop.example.com').allowedRoutes.namespaces.selector.matchExpressions[0].values = ['billing'];
    }, 'HTTPRoute/web route-parent'],
    ['an HTTPRoute on a listener of another host', ms => { obj(ms, 'HTTPRoute', 'web').spec.hostnames = ['www.example.com']; },
      'HTTPRoute/web route-parent'],
    ['an HTTPRoute to a missing Service port', ms => { obj(ms, 'HTTPRoute', 'web').spec.rules[0].backendRefs[0].port = 1234; },
      'HTTPRoute/web route-backend'],
    ['an HTTPRoute to another namespace without a ReferenceGrant', ms => {
      obj(ms, 'HTTPRoute', 'web').spec.rules[0].backendRefs[0].namespace = 'billing';
      ms.push({ file: 'production/billing/service-web.yaml', env: 'production', object: { ...obj(ms, 'Service', 'web'), metadata: { ...obj(ms, 'Service', 'web').metadata, namespace: 'billing' } } });
    }, 'HTTPRoute/web route-backend'],
    ['a rate limit policy for a route that is not rendered', ms => { obj(ms, 'BackendTrafficPolicy', 'web').spec.targetRefs[0].name = 'gone'; },
      'BackendTrafficPolicy/web policy-target'],
    ['a Gateway of a class that is not rendered', ms => { obj(ms, 'Gateway', 'edge').spec.gatewayClassName = 'nginx-gateway'; },
      'Gateway/edge gateway-class'],
    ['a Gateway whose certificates nothing issues', ms => { delete obj(ms, 'Gateway', 'edge').metadata.annotations['cert-manager.io/cluster-issuer']; },
      'Gateway/edge secret-produced'],
    // The Gateway's proxies are pods Envoy Gateway runs for the Gateway: the gate knows their labels and ports.
    ['a PodMonitor of the Gateway\'s proxies selecting no pods', ms => { obj(ms, 'PodMonitor', 'edge-proxies').spec.selector.matchLabels['gateway.envoyproxy.io/owning-gateway-name'] = 'other'; },
      'PodMonitor/edge-proxies podmonitor-selects'],
    ['a PodMonitor of the Gateway\'s proxies on a port they do not name', ms => { obj(ms, 'PodMonitor', 'edge-proxies').spec.podMetricsEndpoints[0].port = 'stats'; },
      'PodMonitor/edge-proxies podmonitor-port'],
    ['a PodMonitor of a Gateway whose class no implementation runs', ms => { obj(ms, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'example.com/other'; },
      'PodMonitor/edge-proxies podmonitor-selects'],
  ];
  test.each(mutations)('catches %s', (_t, mutate, expected) => {
    const ms = system();
    mutate(ms);
    expect(checksFailing(ms)).toContain(expected);
  });

  test('where the edge is the Gateway API, no ingress-nginx annotation or Ingress remains', () => {
    const gatewayOnly: CheckOptions = { edges: { production: { edge: 'gateway-api', ingressClassName: 'nginx' } } };
    expect(checksFailing(system(), gatewayOnly)).toEqual(['Ingress/web edge', 'Ingress/web-preview edge']);
    const message = failing(gate(system(), gatewayOnly)).find(f => f.object === 'Ingress/web')!.message;
    expect(message).toMatch(/^carries ingress-nginx annotations nginx\.ingress\.kubernetes\.io\/custom-headers, .*, but the environment's edge is the Gateway API$/);
    // The real settings: production's edge is the Gateway API.
    expect(checksFailing(system(), {})).toEqual(['Ingress/web edge', 'Ingress/web-preview edge']);
    // An HTTPRoute that crosses namespaces passes with a ReferenceGrant there.
    const ms = system();
    obj(ms, 'HTTPRoute', 'web').spec.rules[0].backendRefs[0].namespace = 'billing';
    ms.push({ file: 'production/billing/service-web.yaml', env: 'production', object: { ...obj(ms, 'Service', 'web'), metadata: { ...obj(ms, 'Service', 'web').metadata, namespace: 'billing' } } });
    ms.push({ file: 'production/billing/referencegrant-shop.yaml', env: 'production', object: {
      apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'shop', namespace: 'billing' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service', name: 'web' }] },
    } });
    expect(checksFailing(ms).filter(c => c.includes('route-backend'))).toEqual([]);
  });

  test('an unknown field is named by its path, with the field it was meant to be', () => {
    const ms = system();
    const s = obj(ms, 'HorizontalPodAutoscaler', 'web-blue').spec;
    s.minReplica = s.minReplicas;
    delete s.minReplicas;
    expect(formatFindings(failing(gate(ms)))).toBe(
      'FAIL production/shop/horizontalpodautoscaler-web-blue.yaml HorizontalPodAutoscaler/web-blue [unknown-field] '
      + 'spec.minReplica is not a field of autoscaling/v2 HorizontalPodAutoscaler in Kubernetes 1.27. Fix: rename it to spec.minReplicas');
  });

  test('Argo CD objects get the same schema and strict-field checks', () => {
    const argocd = shopFiles.filter(f => f.path.startsWith('production/argocd/'))
      .map(f => ({ file: f.path, env: 'production', object: JSON.parse(JSON.stringify(f.object)) }));
    expect(checksFailing(argocd)).toEqual([]);
    const app = obj(argocd, 'Application', 'shop');
    app.spec.syncPolicy.retry.limitt = 3;
    app.spec.syncPolicy.retry.backoff.factor = 'double';
    expect(formatFindings(failing(checkManifests(argocd)))).toBe([
      'FAIL production/argocd/application-shop.yaml Application/shop [schema] spec.syncPolicy.retry.backoff.factor must be integer. Fix: make the value match the argoproj.io/v1alpha1 Application schema',
      'FAIL production/argocd/application-shop.yaml Application/shop [unknown-field] spec.syncPolicy.retry.limitt is not a field of argoproj.io/v1alpha1 Application in its CRD. Fix: rename it to spec.syncPolicy.retry.limit',
    ].join('\n'));
  });

  test('a schema error names the field and what the schema wants', () => {
    const ms = system();
    obj(ms, 'Deployment', 'web-blue').spec.template.spec.containers[0].resources.limits.cpu = '2 cores';
    expect(failing(gate(ms)).map(f => f.message)).toEqual(['spec.template.spec.containers[0].resources.limits.cpu must match format "quantity"']);
  });

  test('a check kube-score is told to skip (kube-score/ignore) is skipped by the gate too, with the recorded reason', () => {
    const ms = system();
    const d = obj(ms, 'Deployment', 'web-blue');
    d.spec.template.spec.containers[0].livenessProbe = d.spec.template.spec.containers[0].readinessProbe;
    expect(checksFailing(ms)).toContain('Deployment/web-blue pod-probes-identical');
    d.metadata.annotations = { 'kube-score/ignore': 'pod-probes-identical', 'kube-score.fleet.dev/pod-probes-identical': 'the app has one endpoint' };
    expect(checksFailing(ms)).toEqual([]);
    expect(formatFindings(gate(ms))).toMatch(/EXEMPT .*Deployment\/web-blue \[pod-probes-identical\].*\(exempt: the app has one endpoint\)/);
  });

  test('a declared exemption shows in the report but does not fail', () => {
    const ms = system();
    const d = obj(ms, 'Deployment', 'web-blue');
    d.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    d.metadata.annotations = { [`${EXEMPT_PREFIX}container-image-pull-policy`]: 'air-gapped mirror' };
    const all = gate(ms);
    expect(failing(all)).toEqual([]);
    expect(formatFindings(all)).toMatch(/EXEMPT .*Deployment\/web-blue \[container-image-pull-policy\].*\(exempt: air-gapped mirror\)/);
  });
});

describe('policy gate: every Secret a pod reads is produced in its namespace', () => {
  /** The secret-produced findings, as `Kind/name: message`. */
  function secretFindings(ms: Manifest[]): string[] {
    return failing(gate(ms)).filter(f => f.check === 'secret-produced').map(f => `${f.object}: ${f.message}`);
  }
  function add(ms: Manifest[], object: any): void {
    ms.push({ file: `production/shop/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, env: 'production', object: { ...object, metadata: { namespace: 'shop', ...object.metadata } } });
  }
  const web = (ms: Manifest[]) => obj(ms, 'Deployment', 'web-blue').spec.template.spec;
  /** web-blue reads `key` of Secret `name` into env X. */
  function readKey(ms: Manifest[], name: string, key: string): void {
    web(ms).containers[0].env.push({ name: 'X', valueFrom: { secretKeyRef: { name, key } } });
  }
  const cnpg = (spec: any = {}) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 3, storage: { size: '1Gi' }, ...spec } });
  const rabbit = (spec: any = {}) => ({ apiVersion: 'rabbitmq.com/v1beta1', kind: 'RabbitmqCluster', metadata: { name: 'mq' }, spec });
  const externalSecret = (name: string, spec: any) => ({
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'fleet-secrets' }, ...spec },
  });

  test('the sample reads only what its ExternalSecret produces', () => {
    expect(secretFindings(system())).toEqual([]);
  });

  test('a key the ExternalSecret does not fetch: names the reader, the key, the producer, its keys and the fix', () => {
    const ms = system();
    readKey(ms, 'shop-secrets', 'API_TOKEN');
    expect(formatFindings(failing(gate(ms)))).toBe('FAIL production/shop/deployment-web-blue.yaml Deployment/web-blue [secret-produced] '
      + 'container web env X reads key API_TOKEN of Secret shop-secrets, which ExternalSecret/shop-secrets produces without it (it holds SESSION_SECRET). '
      + 'Fix: read the key through SecretReference.fromName(\'shop-secrets\').key(\'API_TOKEN\') so the ExternalSecret fetches it, or read one of the keys it holds');
  });

  test('a Secret nothing produces: every reader is named', () => {
    const ms = system();
    ms.splice(ms.findIndex(m => m.object.kind === 'ExternalSecret' && m.object.metadata.name === 'shop-secrets'), 1);
    expect(secretFindings(ms)).toEqual([
      'Deployment/web-blue: container web env SESSION_SECRET reads key SESSION_SECRET of Secret shop-secrets, which nothing in namespace shop produces',
      'Deployment/web-green: container web env SESSION_SECRET reads key SESSION_SECRET of Secret shop-secrets, which nothing in namespace shop produces',
    ]);
  });

  test('a Secret produced in another namespace (or environment) does not count', () => {
    const ms = system();
    obj(ms, 'ExternalSecret', 'shop-secrets').metadata.namespace = 'billing';
    expect(secretFindings(ms)).toHaveLength(2);
    const other = system().map(m => (m.object.kind === 'ExternalSecret' && m.object.metadata.name === 'shop-secrets' ? { ...m, env: 'staging' } : m));
    expect(secretFindings(other)).toHaveLength(2);
  });

  test('an AlertmanagerConfig\'s receiver credentials are read like a pod\'s Secrets; a TLS CA from a ConfigMap is not a Secret', () => {
    const ms = system();
    ms.splice(ms.findIndex(m => m.object.kind === 'ExternalSecret' && m.object.metadata.name === 'alertmanager-receivers'), 1);
    add(ms, {
      apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'AlertmanagerConfig', metadata: { name: 'extra' },
      spec: { receivers: [{ name: 'hook', webhookConfigs: [{ urlSecret: { name: 'hooks', key: 'url' }, httpConfig: { tlsConfig: { ca: { configMap: { name: 'ca', key: 'ca.crt' } } } } }] }] },
    });
    expect(secretFindings(ms)).toEqual([
      'AlertmanagerConfig/shop: spec.receivers[0].pagerdutyConfigs[0].routingKey reads key pagerduty-routing-key of Secret alertmanager-receivers, which nothing in namespace shop produces',
      'AlertmanagerConfig/shop: spec.receivers[0].slackConfigs[0].apiURL reads key slack-webhook-url of Secret alertmanager-receivers, which nothing in namespace shop produces',
      'AlertmanagerConfig/shop: spec.receivers[1].slackConfigs[0].apiURL reads key slack-webhook-url of Secret alertmanager-receivers, which nothing in namespace shop produces',
      'AlertmanagerConfig/shop: spec.receivers[2].emailConfigs[0].authPassword reads key smtp-password of Secret alertmanager-receivers, which nothing in namespace shop produces',
      'AlertmanagerConfig/extra: spec.receivers[0].webhookConfigs[0].urlSecret reads key url of Secret hooks, which nothing in namespace shop produces',
    ]);
  });

  test('envFrom, secret volumes (with and without items) and projected volumes are read too; optional ones are not', () => {
    const ms = system();
    web(ms).containers[0].envFrom = [{ secretRef: { name: 'env-bundle' } }, { secretRef: { name: 'maybe', optional: true } }];
    web(ms).volumes.push(
      { name: 'certs', secret: { secretName: 'client-certs' } },
      { name: 'one', secret: { secretName: 'shop-secrets', items: [{ key: 'CA', path: 'ca.pem' }] } },
      { name: 'bundle', projected: { sources: [{ secret: { name: 'shop-secrets', items: [{ key: 'SESSION_SECRET', path: 'p' }] } }, { secret: { name: 'gone' } }] } },
      { name: 'opt', secret: { secretName: 'optional-certs', optional: true } },
    );
    expect(secretFindings(ms)).toEqual([
      'Deployment/web-blue: container web envFrom reads Secret env-bundle, which nothing in namespace shop produces',
      'Deployment/web-blue: volume certs reads Secret client-certs, which nothing in namespace shop produces',
      'Deployment/web-blue: volume one reads key CA of Secret shop-secrets, which ExternalSecret/shop-secrets produces without it (it holds SESSION_SECRET)',
      'Deployment/web-blue: volume bundle reads Secret gone, which nothing in namespace shop produces',
    ]);
  });

  test('CloudNativePG: <cluster>-app with its documented keys; <cluster>-superuser only with enableSuperuserAccess', () => {
    const ms = system();
    add(ms, cnpg());
    readKey(ms, 'pg-app', 'uri');
    expect(secretFindings(ms)).toEqual([]);
    readKey(ms, 'pg-app', 'connection-string');
    readKey(ms, 'pg-superuser', 'password');
    expect(secretFindings(ms)).toEqual([
      'Deployment/web-blue: container web env X reads key connection-string of Secret pg-app, which Cluster/pg produces without it '
      + '(it holds dbname, fqdn-jdbc-uri, fqdn-uri, host, jdbc-uri, password, pgpass, port, uri, user, username)',
      'Deployment/web-blue: container web env X reads key password of Secret pg-superuser, which nothing in namespace shop produces',
    ]);
    obj(ms, 'Cluster', 'pg').spec.enableSuperuserAccess = true;
    expect(secretFindings(ms)).toHaveLength(1);
  });

  test('CloudNativePG: no <cluster>-app when the application Secret is the user\'s, and the user\'s Secret must exist', () => {
    const ms = system();
    add(ms, cnpg({ bootstrap: { initdb: { database: 'shop', owner: 'shop', secret: { name: 'shop-db-owner' } } } }));
    readKey(ms, 'pg-app', 'password');
    expect(secretFindings(ms)).toEqual([
      'Deployment/web-blue: container web env X reads key password of Secret pg-app, which nothing in namespace shop produces',
      'Cluster/pg: spec.bootstrap.initdb.secret reads keys username, password of Secret shop-db-owner, which nothing in namespace shop produces',
    ]);
  });

  test('RabbitMQ: <name>-default-user with its documented keys, plugin ports per enabled plugin', () => {
    const ms = system();
    add(ms, rabbit({ rabbitmq: { additionalPlugins: ['rabbitmq_stream'] } }));
    readKey(ms, 'mq-default-user', 'password');
    readKey(ms, 'mq-default-user', 'stream-port');
    expect(secretFindings(ms)).toEqual([]);
    readKey(ms, 'mq-default-user', 'connection_string');
    expect(secretFindings(ms)).toEqual(['Deployment/web-blue: container web env X reads key connection_string of Secret mq-default-user, '
      + 'which RabbitmqCluster/mq produces without it (it holds default_user.conf, host, password, port, provider, stream-port, type, username)']);
    obj(ms, 'RabbitmqCluster', 'mq').spec.secretBackend = { externalSecret: { name: 'mq-user' } };
    expect(secretFindings(ms)).toEqual([
      'Deployment/web-blue: container web env X reads key password of Secret mq-default-user, which nothing in namespace shop produces',
      'Deployment/web-blue: container web env X reads key stream-port of Secret mq-default-user, which nothing in namespace shop produces',
      'Deployment/web-blue: container web env X reads key connection_string of Secret mq-default-user, which nothing in namespace shop produces',
      'RabbitmqCluster/mq: spec.secretBackend.externalSecret reads Secret mq-user, which nothing in namespace shop produces',
    ]);
  });

  test('ExternalSecret dataFrom: any key may be there; a template: only the templated keys (unless it merges)', () => {
    const ms = system();
    add(ms, externalSecret('bundle', { dataFrom: [{ extract: { key: 'shop-bundle' } }] }));
    add(ms, externalSecret('dsn', { data: [{ secretKey: 'password', remoteRef: { key: 'pw' } }], target: { template: { data: { DSN: 'postgres://app:{{ .password }}@db/shop' } } } }));
    readKey(ms, 'bundle', 'ANYTHING');
    readKey(ms, 'dsn', 'DSN');
    expect(secretFindings(ms)).toEqual([]);
    readKey(ms, 'dsn', 'password');
    expect(secretFindings(ms)).toEqual(['Deployment/web-blue: container web env X reads key password of Secret dsn, which ExternalSecret/dsn produces without it (it holds DSN)']);
    obj(ms, 'ExternalSecret', 'dsn').spec.target.template.mergePolicy = 'Merge';
    expect(secretFindings(ms)).toEqual([]);
  });

  test('an ExternalSecret that merges into an existing Secret does not produce one', () => {
    const ms = system();
    obj(ms, 'ExternalSecret', 'shop-secrets').spec.target.creationPolicy = 'Merge';
    expect(secretFindings(ms)).toHaveLength(2);
  });

  test('two producers of one Secret are both named', () => {
    const ms = system();
    add(ms, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-secrets' } });
    expect(secretFindings(ms)).toEqual([
      'ExternalSecret/shop-secrets: produces Secret shop-secrets, which Secret/shop-secrets also produces',
      'Secret/shop-secrets: produces Secret shop-secrets, which ExternalSecret/shop-secrets also produces',
    ]);
  });

  test('an Ingress\'s TLS Secret: made by cert-manager\'s ingress-shim when the Ingress names an issuer, else missing', () => {
    const ms = system();
    const ingress = obj(ms, 'Ingress', 'web');
    expect(ingress.spec.tls[0].secretName).toBeDefined();
    expect(secretFindings(ms)).toEqual([]);
    delete ingress.metadata.annotations['cert-manager.io/cluster-issuer'];
    const findings = failing(gate(ms)).filter(f => f.check === 'secret-produced');
    expect(findings.map(f => `${f.object}: ${f.message}`)).toEqual([`Ingress/web: tls for ${ingress.spec.tls[0].hosts.join(', ')} reads keys tls.crt, tls.key of Secret ${ingress.spec.tls[0].secretName}, which nothing in namespace shop produces`]);
    expect(findings[0].fix).toMatch(/^annotate the Ingress or Gateway with cert-manager.io\/cluster-issuer/);
    add(ms, { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: { secretName: ingress.spec.tls[0].secretName } });
    expect(secretFindings(ms)).toEqual([]);
  });

  test('a custom resource that reads a Secret (the Redis operator\'s redisSecret) is checked the same way', () => {
    const ms = system();
    add(ms, { apiVersion: 'redis.redis.opstreelabs.in/v1beta2', kind: 'RedisReplication', metadata: { name: 'cache' }, spec: { kubernetesConfig: { image: 'quay.io/opstree/redis:v7.0.15', redisSecret: { name: 'redis-auth', key: 'password' } } } });
    expect(secretFindings(ms)).toEqual(['RedisReplication/cache: spec.kubernetesConfig.redisSecret reads key password of Secret redis-auth, which nothing in namespace shop produces']);
    add(ms, externalSecret('redis-auth', { data: [{ secretKey: 'password', remoteRef: { key: 'shop__redis-auth__password' } }] }));
    expect(secretFindings(ms)).toEqual([]);
  });

  test('exempt only through the exemption annotation, which the report shows', () => {
    const ms = system();
    readKey(ms, 'made-by-hand', 'token');
    obj(ms, 'Deployment', 'web-blue').metadata.annotations[`${EXEMPT_PREFIX}secret-produced`] = 'created by the bootstrap runbook';
    const all = gate(ms);
    expect(failing(all)).toEqual([]);
    expect(formatFindings(all)).toMatch(/EXEMPT .*Deployment\/web-blue \[secret-produced\] container web env X reads key token of Secret made-by-hand.*\(exempt: created by the bootstrap runbook\)/);
  });
});
