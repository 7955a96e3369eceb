import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { diffTrees, fitComment, riskyChanges, toMarkdown } from '../lib/review/manifest-diff';
import { diffObjects } from '../lib/review/object-diff';
import { parseQuantity } from '../lib/review/quantity';
import { review } from '../scripts/diff';

// The review diff's own fixture: one small system, `shop`, in every environment, written
// here so that no release of the real fleet (its colors, images, numbers) can move a test.
const labels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'shop' });
const meta = (name: string) => ({ name, namespace: 'shop', labels: labels(name) });
const nsPeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
const podPeer = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: labels(name) } });
const tcp = (port: number) => [{ port, protocol: 'TCP' }];

function podTemplate(name: string, containers: object[], extra: object = {}) {
  return {
    metadata: { labels: labels(name) },
    spec: { containers, volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'tls', secret: { secretName: 'api-tls' } }], ...extra },
  };
}

function apiContainer() {
  return {
    name: 'api',
    image: 'ghcr.io/shop/api:1.0.0',
    args: ['--port', '8000', '--workers', '4'],
    env: [
      { name: 'DB_HOST', value: 'db' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-secrets', key: 'DB_PASSWORD' } } },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    envFrom: [{ configMapRef: { name: 'shop-config' } }],
    ports: [{ containerPort: 8000, name: 'http', protocol: 'TCP' }, { containerPort: 9090, name: 'metrics', protocol: 'TCP' }],
    livenessProbe: { httpGet: { path: '/live', port: 'http' }, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 2 },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2 },
    resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '512Mi' } },
    volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }, { mountPath: '/etc/tls', name: 'tls' }],
  };
}

function system(env: string): Array<[string, any]> {
  return [
    ['deployment-api.yaml', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('api'),
      spec: {
        replicas: 3, selector: { matchLabels: labels('api') },
        template: podTemplate('api', [apiContainer()], {
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'shop', effect: 'NoSchedule' }],
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels('api') } },
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels('api') } },
          ],
        }),
      },
    }],
    ['deployment-web.yaml', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'),
      spec: { selector: { matchLabels: labels('web') }, template: podTemplate('web', [{ name: 'web', image: 'ghcr.io/shop/web:1.0.0', resources: { limits: { cpu: '500m', memory: '256Mi' } } }]) },
    }],
    ['horizontalpodautoscaler-web.yaml', {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('web'),
      spec: {
        minReplicas: 2, maxReplicas: 10, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
      },
    }],
    ['poddisruptionbudget-api.yaml', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('api'), spec: { minAvailable: 2, selector: { matchLabels: labels('api') } } }],
    ['poddisruptionbudget-web.yaml', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('web'), spec: { maxUnavailable: 1, selector: { matchLabels: labels('web') } } }],
    ['service-api.yaml', {
      apiVersion: 'v1', kind: 'Service', metadata: meta('api'),
      spec: {
        selector: { ...labels('api'), color: 'blue' },
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }],
      },
    }],
    ['ingress-api.yaml', {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('api'),
      spec: {
        ingressClassName: 'nginx',
        rules: ['api.shop.example', 'www.shop.example'].map(host => ({
          host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] },
        })),
        tls: [{ hosts: ['api.shop.example', 'www.shop.example'], secretName: 'api-tls' }],
      },
    }],
    ['networkpolicy-api.yaml', {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('api'),
      spec: {
        podSelector: { matchLabels: labels('api') },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { from: [nsPeer('ingress-nginx')], ports: tcp(8000) },
          { from: [nsPeer('monitoring')], ports: tcp(9090) },
          { from: [podPeer('api-preview-smoke-test')], ports: tcp(8000) },
          { from: [podPeer('web')], ports: tcp(8000) },
        ],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }] }],
      },
    }],
    ['job-api-preview-smoke-test.yaml', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: meta('api-preview-smoke-test'),
      spec: { template: podTemplate('api-preview-smoke-test', [{ name: 'smoke-test', image: 'docker.io/curlimages/curl:8.10.1' }], { restartPolicy: 'Never' }) },
    }],
    ['networkpolicy-api-preview-smoke-test.yaml', {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('api-preview-smoke-test'),
      spec: { podSelector: { matchLabels: labels('api-preview-smoke-test') }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [{ to: [podPeer('api')], ports: tcp(8000) }] },
    }],
    ['prometheusrule-shop-alerts.yaml', {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: meta('shop-alerts'),
      spec: {
        groups: [{
          name: 'shop', rules: [
            { alert: 'ShopDown', expr: 'absent(up{namespace="shop", job="api"})', for: '1m', labels: { severity: 'critical', environment: env } },
            { alert: 'ShopSlow', expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="shop"}[5m]))) > 0.5', for: '5m', labels: { severity: 'warning' } },
          ],
        }],
      },
    }],
    // PostgreSQL on CloudNativePG and its backups.
    ['cluster-pg.yaml', {
      apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: meta('pg'),
      spec: {
        instances: 3, imageName: 'ghcr.io/cloudnative-pg/postgresql:16.4-standard-trixie', storage: { size: '100Gi' }, walStorage: { size: '20Gi' },
        plugins: [{ name: 'barman-cloud.cloudnative-pg.io', enabled: true, isWALArchiver: true, parameters: { barmanObjectName: 'pg-backups' } }],
      },
    }],
    ['objectstore-pg-backups.yaml', {
      apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: meta('pg-backups'),
      spec: { configuration: { destinationPath: 'gs://shop-backups/shop', googleCredentials: { gkeEnvironment: true } }, retentionPolicy: '30d' },
    }],
    ['scheduledbackup-pg-base-backup.yaml', {
      apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: meta('pg-base-backup'),
      spec: { cluster: { name: 'pg' }, schedule: '0 0 * * * *', method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } },
    }],
    // A kind named Cluster of another group is no PostgreSQL.
    ['cluster-other.yaml', { apiVersion: 'example.com/v1', kind: 'Cluster', metadata: meta('other'), spec: { instances: 3 } }],
    ['statefulset-db.yaml', {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db'),
      spec: {
        replicas: 1, serviceName: 'db', selector: { matchLabels: labels('db') },
        template: podTemplate('db', [{ name: 'db', image: 'docker.io/library/postgres:15.8' }]),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
      },
    }],
  ];
}

const ENVS = ['production', 'staging', 'dev'];
const fleet = () => new Map(ENVS.flatMap(env => system(env).map(([f, o]) => [`${env}/shop/${f}`, o] as [string, any])));
const at = (t: Map<string, any>, file: string) => {
  const o = t.get(file);
  if (!o) { throw new Error(`no ${file}`); }
  return o;
};
const P = 'production/shop/';
const api = (t: Map<string, any>, env = 'production') => at(t, `${env}/shop/deployment-api.yaml`).spec.template.spec.containers[0];

function reviewOf(mutate: (after: Map<string, any>) => void) {
  const before = fleet();
  const after = fleet();
  mutate(after);
  const changes = diffTrees(before, after);
  const risks = riskyChanges(changes, before, after);
  const markdown = toMarkdown(changes, risks, 'test');
  return {
    changes, risks, markdown,
    lines: markdown.split('\n'),
    fields: changes.flatMap(c => c.fields.map(f => `${c.dir} ${c.object}: ${f.path}`)),
    flags: risks.map(r => `${r.dir} ${r.object}: ${r.reason}`),
  };
}

describe('review diff', () => {
  test('no changes says so', () => {
    const r = reviewOf(() => undefined);
    expect(r.changes).toEqual([]);
    expect(r.markdown).toBe('## test\n\nno changes\n');
  });

  test('a changed field is one line: env/system Kind/name: path old → new', () => {
    const r = reviewOf(t => { at(t, `${P}service-api.yaml`).spec.selector.color = 'green'; });
    expect(r.lines).toContain('- production/shop Service/api: spec.selector.color blue → green');
    expect(r.lines).toContain('| production/shop | 0 | 0 | 1 |');
    expect(r.risks).toEqual([]);
  });

  test('added and removed objects are listed by environment and system', () => {
    const r = reviewOf(t => {
      t.set('staging/shop/configmap-extra.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'shop' } });
      t.delete('staging/shop/prometheusrule-shop-alerts.yaml');
    });
    expect(r.changes.map(c => `${c.dir} ${c.object} ${c.change}`)).toEqual([
      'staging/shop ConfigMap/extra added',
      'staging/shop PrometheusRule/shop-alerts removed',
    ]);
    expect(r.lines).toContain('- staging/shop ConfigMap/extra: **added**');
    expect(r.lines).toContain('- staging/shop PrometheusRule/shop-alerts: **removed**');
  });

  test('benign changes raise no flag: an image, an annotation, staging replicas, a higher limit, a new plain env var, dev opened wider', () => {
    const r = reviewOf(t => {
      api(t).image = 'ghcr.io/shop/api:1.1.0';
      at(t, `${P}statefulset-db.yaml`).metadata.annotations = { note: 'x' };
      at(t, 'staging/shop/deployment-api.yaml').spec.replicas = 1;
      at(t, `${P}horizontalpodautoscaler-web.yaml`).spec.maxReplicas = 15;
      api(t).resources.limits.memory = '2Gi';
      api(t).env.push({ name: 'FEATURE_X', value: 'on' });
      at(t, 'dev/shop/networkpolicy-api.yaml').spec.ingress.push({ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] });
    });
    expect(r.changes).toHaveLength(5);
    expect(r.flags).toEqual([]);
    expect(r.lines).toContain('No risky changes found (see "Reviewing a change" in the README for what is flagged).');
  });
});

describe('lists are compared as Kubernetes merges them', () => {
  test('a NetworkPolicy peer inserted between others is one added peer, and widens production', () => {
    const r = reviewOf(t => { at(t, `${P}networkpolicy-api.yaml`).spec.ingress.splice(1, 0, { from: [podPeer('search')], ports: tcp(8000) }); });
    const rule = 'spec.ingress[pods app.kubernetes.io/name=search,app.kubernetes.io/part-of=shop in namespace shop]';
    expect(r.fields).toEqual([`production/shop NetworkPolicy/api: ${rule}`]);
    expect(r.markdown).toContain([
      `- production/shop NetworkPolicy/api: ${rule} added:`,
      '',
      '  ```diff',
      '  + from:',
      '  +   - namespaceSelector:',
      '  +       matchLabels:',
      '  +         kubernetes.io/metadata.name: shop',
      '  +     podSelector:',
      '  +       matchLabels:',
      '  +         app.kubernetes.io/name: search',
      '  +         app.kubernetes.io/part-of: shop',
      '  + ports:',
      '  +   - port: 8000',
      '  +     protocol: TCP',
      '  ```',
    ].join('\n'));
    expect(r.flags).toEqual([
      'production/shop NetworkPolicy/api: opened wider: ingress now allows from pods app.kubernetes.io/name=search,app.kubernetes.io/part-of=shop in namespace shop on 8000/TCP',
    ]);
  });

  test('a peer removed is one removed peer, and narrowing raises no flag', () => {
    const r = reviewOf(t => { at(t, `${P}networkpolicy-api.yaml`).spec.ingress.shift(); });
    expect(r.fields).toEqual(['production/shop NetworkPolicy/api: spec.ingress[namespace ingress-nginx]']);
    expect(r.lines).toContain('- production/shop NetworkPolicy/api: spec.ingress[namespace ingress-nginx] removed:');
    expect(r.flags).toEqual([]);
  });

  test('a peer added to a rule with the same ports is a peer added to that rule', () => {
    const r = reviewOf(t => { at(t, `${P}networkpolicy-api.yaml`).spec.ingress[0].from.push(nsPeer('gateway')); });
    expect(r.fields).toEqual(['production/shop NetworkPolicy/api: spec.ingress[namespace ingress-nginx].from[namespace gateway]']);
    expect(r.lines).toContain('- production/shop NetworkPolicy/api: spec.ingress[namespace ingress-nginx].from[namespace gateway] added: { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: gateway } } }');
    expect(r.flags).toEqual(['production/shop NetworkPolicy/api: opened wider: ingress now allows from namespace gateway on 8000/TCP']);
  });

  test('containers, env, ports, mounts, volumes, tolerations and spread constraints are keyed, not positional', () => {
    const r = reviewOf(t => {
      const c = api(t);
      c.env.splice(0, 0, { name: 'CACHE_HOST', value: 'cache' });
      c.ports.reverse();
      c.volumeMounts.splice(1, 0, { mountPath: '/cache', name: 'cache' });
      const pod = at(t, `${P}deployment-api.yaml`).spec.template.spec;
      pod.volumes.splice(0, 0, { name: 'cache', emptyDir: {} });
      pod.tolerations.unshift({ key: 'spot', operator: 'Exists', effect: 'NoSchedule' });
      pod.topologySpreadConstraints.reverse();
      pod.topologySpreadConstraints[0].maxSkew = 2;
      pod.containers.unshift({ name: 'proxy', image: 'docker.io/envoyproxy/envoy:v1.31.0' });
    });
    const d = 'production/shop Deployment/api: spec.template.spec';
    expect(r.fields).toEqual([
      `${d}.containers[api].env[CACHE_HOST]`,
      `${d}.containers[api].volumeMounts[/cache]`,
      `${d}.containers[proxy]`,
      `${d}.tolerations[spot Exists NoSchedule]`,
      `${d}.topologySpreadConstraints[topology.kubernetes.io/zone ScheduleAnyway].maxSkew`,
      `${d}.volumes[cache]`,
    ]);
    expect(r.lines).toContain(`- ${d}.containers[api].env[CACHE_HOST] added: { name: CACHE_HOST, value: cache }`);
    expect(r.lines).toContain(`- ${d}.topologySpreadConstraints[topology.kubernetes.io/zone ScheduleAnyway].maxSkew 1 → 2`);
  });

  test('Service ports, HPA metrics, Ingress rules, paths and TLS, alerts by their keys', () => {
    const r = reviewOf(t => {
      at(t, `${P}service-api.yaml`).spec.ports.unshift({ name: 'grpc', port: 81, targetPort: 'grpc', protocol: 'TCP' });
      at(t, `${P}horizontalpodautoscaler-web.yaml`).spec.metrics.reverse();
      at(t, `${P}horizontalpodautoscaler-web.yaml`).spec.metrics[0].resource.target.averageUtilization = 75;
      const ing = at(t, `${P}ingress-api.yaml`).spec;
      ing.rules.unshift({ host: 'admin.shop.example', http: { paths: [] } });
      ing.rules[2].http.paths.unshift({ path: '/v2', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } });
      ing.tls.unshift({ hosts: ['admin.shop.example'], secretName: 'admin-tls' });
      const rules = at(t, `${P}prometheusrule-shop-alerts.yaml`).spec.groups[0].rules;
      rules.unshift({ alert: 'ShopErrors', expr: 'rate(errors_total[5m]) > 1' });
      rules[2].for = '10m';
    });
    expect(r.fields).toEqual([
      'production/shop HorizontalPodAutoscaler/web: spec.metrics[Resource memory].resource.target.averageUtilization',
      'production/shop Ingress/api: spec.rules[www.shop.example].http.paths[/v2]',
      'production/shop Ingress/api: spec.rules[admin.shop.example]',
      'production/shop Ingress/api: spec.tls[admin-tls]',
      'production/shop PrometheusRule/shop-alerts: spec.groups[shop].rules[ShopSlow].for',
      'production/shop PrometheusRule/shop-alerts: spec.groups[shop].rules[ShopErrors]',
      'production/shop Service/api: spec.ports[81/TCP]',
    ]);
    expect(r.flags).toEqual([]);
  });

  test('lists without a key, or with a key two items share, fall back to position', () => {
    const r = reviewOf(t => {
      api(t).args[3] = '8';
      const env = api(t, 'staging').env;
      env.push({ ...env[0] }); // a duplicate name: keying would hide one of them
      env[0].value = 'db2';
    });
    expect(r.fields).toEqual([
      'production/shop Deployment/api: spec.template.spec.containers[api].args[3]',
      'staging/shop Deployment/api: spec.template.spec.containers[api].env[0].value',
      'staging/shop Deployment/api: spec.template.spec.containers[api].env[3]',
    ]);
    expect(r.lines).toContain('- production/shop Deployment/api: spec.template.spec.containers[api].args[3] 4 → 8');
  });

  test('diffObjects on objects without a kind still keys pod lists', () => {
    const before = { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] };
    const after = { containers: [{ name: 'b', image: '2' }, { name: 'a', image: '1' }] };
    expect(diffObjects(before, after)).toEqual([{ path: 'containers[b].image', before: '1', after: '2' }]);
  });
});

describe('whole values', () => {
  test('a long value is shown whole, before and after, in a diff block; nothing is cut', () => {
    const longExpr = `sum by (job) (rate(http_requests_total{namespace="shop", status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{namespace="shop"}[5m])) > 0.05`;
    const r = reviewOf(t => { at(t, `${P}prometheusrule-shop-alerts.yaml`).spec.groups[0].rules[1].expr = longExpr; });
    expect(r.markdown).toContain([
      '- production/shop PrometheusRule/shop-alerts: spec.groups[shop].rules[ShopSlow].expr changed:',
      '',
      '  ```diff',
      '  - histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="shop"}[5m]))) > 0.5',
      `  + ${longExpr}`,
      '  ```',
    ].join('\n'));
    expect(r.markdown).not.toContain('…');
  });

  test('values with Markdown in them go in the block; a block over 20 lines folds into <details>', () => {
    const r = reviewOf(t => {
      at(t, `${P}service-api.yaml`).metadata.annotations = { note: 'a `b` c' };
      api(t).command = Array.from({ length: 24 }, (_, i) => `step-${i}`);
    });
    expect(r.markdown).toContain('- production/shop Service/api: metadata.annotations added:\n\n  ```diff\n  + note: a `b` c\n  ```');
    expect(r.markdown).toContain('  <details><summary>24 lines</summary>');
    expect(r.markdown).toMatch(/<\/details>\n$|<\/details>\n\n/);
  });

  test('a path with Markdown in it (a wildcard host) is a code span', () => {
    const r = reviewOf(t => { at(t, `${P}ingress-api.yaml`).spec.rules[1].host = '*.shop.example'; });
    expect(r.fields).toEqual(['production/shop Ingress/api: spec.rules[www.shop.example]', 'production/shop Ingress/api: spec.rules[*.shop.example]']);
    expect(r.lines).toContain('- production/shop Ingress/api: `spec.rules[*.shop.example]` added:');
    expect(r.flags).toEqual(['production/shop Ingress/api: host www.shop.example removed in production: it is no longer routed here']);
  });

  test('a value holding a fence gets a longer fence', () => {
    const r = reviewOf(t => { at(t, `${P}service-api.yaml`).metadata.annotations = { doc: 'see ```x```' }; });
    expect(r.markdown).toContain('  ````diff\n  + doc: see ```x```\n  ````');
  });
});

describe('risk flags', () => {
  const cases: Array<[string, (t: Map<string, any>) => void, string[]]> = [
    // Kept from before: every environment.
    ['a Deployment removed', t => t.delete('dev/shop/deployment-web.yaml'), ['dev/shop Deployment/web: removed: its pods will be deleted']],
    ['a claim template changed', t => { at(t, `${P}statefulset-db.yaml`).spec.volumeClaimTemplates[0].spec.resources.requests.storage = '1Gi'; },
      ['production/shop StatefulSet/db: spec.volumeClaimTemplates changed: immutable; the StatefulSet must be deleted (orphaning pods) and recreated']],
    ['a Deployment selector changed', t => { at(t, 'staging/shop/deployment-api.yaml').spec.selector.matchLabels.tier = 'x'; },
      ['staging/shop Deployment/api: spec.selector changed: immutable; the apply will fail until the Deployment is recreated']],
    ['replicas lowered in production', t => { at(t, `${P}deployment-api.yaml`).spec.replicas = 2; },
      ['production/shop Deployment/api: spec.replicas lowered in production: 3 → 2']],
    ['HPA maximum lowered in production', t => { at(t, `${P}horizontalpodautoscaler-web.yaml`).spec.maxReplicas = 4; },
      ['production/shop HorizontalPodAutoscaler/web: spec.maxReplicas lowered in production: 10 → 4']],
    ['an HPA removed in production', t => t.delete(`${P}horizontalpodautoscaler-web.yaml`),
      ['production/shop HorizontalPodAutoscaler/web: removed in production: the workload no longer scales']],
    ['egress to a new CIDR in staging', t => { at(t, 'staging/shop/networkpolicy-api.yaml').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: tcp(443) }); },
      ['staging/shop NetworkPolicy/api: opened wider: egress now allows to 0.0.0.0/0 except 10.0.0.0/8 on 443/TCP']],
    ['a rule losing its ports', t => { delete at(t, `${P}networkpolicy-api.yaml`).spec.ingress[1].ports; },
      ['production/shop NetworkPolicy/api: opened wider: ingress now allows from namespace monitoring on all ports']],
    ['a rule losing its peers', t => { delete at(t, `${P}networkpolicy-api.yaml`).spec.ingress[1].from; },
      ['production/shop NetworkPolicy/api: opened wider: ingress now allows from anyone on 9090/TCP']],
    ['a policy type dropped', t => { at(t, `${P}networkpolicy-api.yaml`).spec.policyTypes = ['Ingress']; },
      ['production/shop NetworkPolicy/api: opened wider: no longer restricts Egress']],
    ['a NetworkPolicy removed while its pods stay', t => t.delete(`${P}networkpolicy-api.yaml`),
      ['production/shop NetworkPolicy/api: removed: its pods lose this fence (open wider)']],
    ['a smoke-test NetworkPolicy removed without its Job', t => t.delete(`${P}networkpolicy-api-preview-smoke-test.yaml`),
      ['production/shop NetworkPolicy/api-preview-smoke-test: removed: its pods lose this fence (open wider)']],
    // New: production only.
    ['an Ingress removed', t => t.delete(`${P}ingress-api.yaml`),
      ['production/shop Ingress/api: removed in production: api.shop.example/, www.shop.example/ no longer routed here']],
    ['a host removed from an Ingress', t => { at(t, `${P}ingress-api.yaml`).spec.rules.pop(); },
      ['production/shop Ingress/api: host www.shop.example removed in production: it is no longer routed here']],
    ['replicas lowered to 0', t => { at(t, `${P}deployment-api.yaml`).spec.replicas = 0; },
      ['production/shop Deployment/api: spec.replicas lowered to 0 in production: 3 → 0 (no pods will run)']],
    ['an autoscaled Deployment given replicas 0', t => { at(t, `${P}deployment-web.yaml`).spec.replicas = 0; },
      ['production/shop Deployment/web: spec.replicas lowered to 0 in production: (none) → 0 (no pods will run)']],
    ['HPA minimum lowered to 0', t => { at(t, `${P}horizontalpodautoscaler-web.yaml`).spec.minReplicas = 0; },
      ['production/shop HorizontalPodAutoscaler/web: spec.minReplicas lowered to 0 in production: 2 → 0 (it may scale to no pods)']],
    ['a memory limit halved and a cpu limit lowered', t => { api(t).resources.limits = { cpu: '900m', memory: '512Mi' }; },
      ['production/shop Deployment/api: containers[api] cpu limit lowered in production: 1 → 900m',
        'production/shop Deployment/api: containers[api] memory limit lowered in production: 1Gi → 512Mi']],
    ['a limit set where there was none', t => { at(t, `${P}statefulset-db.yaml`).spec.template.spec.containers[0].resources = { limits: { memory: '2Gi' } }; },
      ['production/shop StatefulSet/db: containers[db] memory limit set in production: (none) → 2Gi (it had no limit)']],
    ['a PDB minAvailable lowered', t => { at(t, `${P}poddisruptionbudget-api.yaml`).spec.minAvailable = 1; },
      ['production/shop PodDisruptionBudget/api: spec.minAvailable lowered in production: 2 → 1 (more pods may be evicted at once)']],
    ['a PDB maxUnavailable raised', t => { at(t, `${P}poddisruptionbudget-web.yaml`).spec.maxUnavailable = '50%'; },
      ['production/shop PodDisruptionBudget/web: spec.maxUnavailable changed in production: 1 → 50% (a count and a percentage: check it is not looser)']],
    ['a PDB maxUnavailable raised (counts)', t => { at(t, `${P}poddisruptionbudget-web.yaml`).spec.maxUnavailable = 2; },
      ['production/shop PodDisruptionBudget/web: spec.maxUnavailable raised in production: 1 → 2 (more pods may be evicted at once)']],
    ['a PDB switched from minAvailable to maxUnavailable', t => { at(t, `${P}poddisruptionbudget-api.yaml`).spec = { maxUnavailable: 1, selector: { matchLabels: labels('api') } }; },
      ['production/shop PodDisruptionBudget/api: spec.minAvailable 2 replaced by spec.maxUnavailable 1 in production: check it is not looser']],
    ['a PDB removed while its pods stay', t => t.delete(`${P}poddisruptionbudget-api.yaml`),
      ['production/shop PodDisruptionBudget/api: removed in production: voluntary disruptions (node drains, upgrades) are no longer limited']],
    ['a Service port renumbered', t => { at(t, `${P}service-api.yaml`).spec.ports[0].port = 8080; },
      ['production/shop Service/api: port http changed in production: 80/TCP → 8080/TCP (clients of 80/TCP lose it)']],
    ['a Service port removed', t => { at(t, `${P}service-api.yaml`).spec.ports.pop(); },
      ['production/shop Service/api: port 9090/TCP removed in production: its clients lose it']],
    ['a Service targetPort changed', t => { at(t, `${P}service-api.yaml`).spec.ports[0].targetPort = 8001; },
      ['production/shop Service/api: port 80/TCP targetPort changed in production: http → 8001']],
    ['a probe removed', t => { delete api(t).readinessProbe; },
      ['production/shop Deployment/api: containers[api] readinessProbe removed in production']],
    ['a probe loosened', t => { Object.assign(api(t).livenessProbe, { failureThreshold: 10, periodSeconds: 30, timeoutSeconds: 5 }); },
      ['production/shop Deployment/api: containers[api] livenessProbe.failureThreshold raised in production: 3 → 10',
        'production/shop Deployment/api: containers[api] livenessProbe.periodSeconds raised in production: 20 → 30',
        'production/shop Deployment/api: containers[api] livenessProbe.timeoutSeconds raised in production: 2 → 5']],
    ['a probe default raised', t => { api(t).readinessProbe.failureThreshold = 5; },
      ['production/shop Deployment/api: containers[api] readinessProbe.failureThreshold raised in production: 3 (default) → 5']],
    ['a probe with a lower bar', t => { api(t).readinessProbe = { tcpSocket: { port: 'http' }, periodSeconds: 10, timeoutSeconds: 2 }; },
      ['production/shop Deployment/api: containers[api] readinessProbe now checks by tcpSocket instead of httpGet in production: check it is not a lower bar']],
    ['a probe pointed at another path', t => { api(t).readinessProbe.httpGet.path = '/live'; },
      ['production/shop Deployment/api: containers[api] readinessProbe.httpGet.path changed in production: /ready → /live (check it is not a lower bar)']],
    ['a secretKeyRef changed', t => { api(t).env[1].valueFrom.secretKeyRef = { name: 'shop-secrets-v2', key: 'DB_PASSWORD' }; },
      ['production/shop Deployment/api: containers[api].env[DB_PASSWORD] reference changed in production: secret shop-secrets key DB_PASSWORD → secret shop-secrets-v2 key DB_PASSWORD']],
    ['a configMapKeyRef added', t => { api(t).env.push({ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'shop-config', key: 'mode' } } }); },
      ['production/shop Deployment/api: containers[api].env[MODE] now reads configMap shop-config key mode in production (a new reference: its pods will not start if it is missing)']],
    ['an envFrom changed', t => { api(t).envFrom.push({ secretRef: { name: 'extra' } }); },
      ['production/shop Deployment/api: containers[api].envFrom reference changed in production: configMap shop-config → configMap shop-config, secret extra']],
    ['a volume secretName changed', t => { at(t, `${P}deployment-api.yaml`).spec.template.spec.volumes[1].secret.secretName = 'api-tls-2'; },
      ['production/shop Deployment/api: volumes[tls] reference changed in production: secret api-tls → secret api-tls-2']],
    ['a secret reference dropped', t => { api(t).env.splice(1, 1); },
      ['production/shop Deployment/api: containers[api].env[DB_PASSWORD] no longer reads secret shop-secrets key DB_PASSWORD in production']],
    // Data: PostgreSQL on CloudNativePG and its backups.
    ['a CloudNativePG Cluster removed, in any environment', t => t.delete('dev/shop/cluster-pg.yaml'),
      ['dev/shop Cluster/pg: removed: CloudNativePG deletes its instances and their volumes (the bucket keeps the backups)']],
    ['CloudNativePG instances lowered', t => { at(t, `${P}cluster-pg.yaml`).spec.instances = 2; },
      ['production/shop Cluster/pg: spec.instances lowered in production: 3 → 2 (fewer copies of the data; a majority or a failover target may be lost)']],
    ['CloudNativePG storage shrunk', t => { at(t, `${P}cluster-pg.yaml`).spec.storage.size = '50Gi'; },
      ['production/shop Cluster/pg: spec.storage.size lowered in production: 100Gi → 50Gi (a volume cannot shrink: only new, empty nodes would get it)']],
    ['CloudNativePG WAL storage shrunk', t => { at(t, `${P}cluster-pg.yaml`).spec.walStorage.size = '10Gi'; },
      ['production/shop Cluster/pg: spec.walStorage.size lowered in production: 20Gi → 10Gi (a volume cannot shrink: only new, empty instances would get it)']],
    ['WAL archiving off: the plugin entry removed', t => { at(t, `${P}cluster-pg.yaml`).spec.plugins = []; },
      ['production/shop Cluster/pg: WAL archiving turned off in production: barman-cloud.cloudnative-pg.io is no longer the WAL archiver (point-in-time recovery ends at this change)']],
    ['WAL archiving off: isWALArchiver false', t => { at(t, `${P}cluster-pg.yaml`).spec.plugins[0].isWALArchiver = false; },
      ['production/shop Cluster/pg: WAL archiving turned off in production: barman-cloud.cloudnative-pg.io is no longer the WAL archiver (point-in-time recovery ends at this change)']],
    ['WAL archiving off: the plugin disabled', t => { at(t, `${P}cluster-pg.yaml`).spec.plugins[0].enabled = false; },
      ['production/shop Cluster/pg: WAL archiving turned off in production: barman-cloud.cloudnative-pg.io is no longer the WAL archiver (point-in-time recovery ends at this change)']],
    ['backup retention shortened (across units)', t => { at(t, `${P}objectstore-pg-backups.yaml`).spec.retentionPolicy = '2w'; },
      ['production/shop ObjectStore/pg-backups: spec.retentionPolicy shortened in production: 30d → 2w (older base backups and WAL are deleted)']],
    ['the backup destination moved', t => { at(t, `${P}objectstore-pg-backups.yaml`).spec.configuration.destinationPath = 'gs://other/shop'; },
      ['production/shop ObjectStore/pg-backups: spec.configuration.destinationPath changed in production: gs://shop-backups/shop → gs://other/shop (recovery to a point before the change needs the old archive)']],
    ['the ObjectStore removed', t => t.delete(`${P}objectstore-pg-backups.yaml`),
      ['production/shop ObjectStore/pg-backups: removed in production: WAL archiving and base backups to it stop, and recovery from it needs it back']],
    ['a ScheduledBackup removed', t => t.delete(`${P}scheduledbackup-pg-base-backup.yaml`),
      ['production/shop ScheduledBackup/pg-base-backup: removed in production: no more base backups of pg']],
    ['a ScheduledBackup suspended', t => { at(t, `${P}scheduledbackup-pg-base-backup.yaml`).spec.suspend = true; },
      ['production/shop ScheduledBackup/pg-base-backup: spec.suspend set in production: no more base backups until it is unset']],
  ];
  test.each(cases)('flags %s', (_name, mutate, expected) => {
    const r = reviewOf(mutate);
    expect(r.flags).toEqual(expected);
    // Flags come first in the Markdown, each on its line.
    expect(r.markdown.indexOf('Risky changes')).toBeLessThan(r.markdown.indexOf('| environment/system |'));
    for (const f of r.risks) { expect(r.lines).toContain(`- **${f.dir} ${f.object}**: ${f.reason}`); }
  });

  test('an HTTPRoute removed, or a hostname removed from one, in production', () => {
    const route = (hostnames: string[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('api'), spec: { hostnames, parentRefs: [{ name: 'gw', namespace: 'gateways' }] } });
    const file = `${P}httproute-api.yaml`;
    const flags = (b: Map<string, any>, a: Map<string, any>) => riskyChanges(diffTrees(b, a), b, a).map(r => `${r.object}: ${r.reason}`);
    const before = new Map([[file, route(['shop.example', 'm.shop.example'])]]);
    expect(flags(before, new Map())).toEqual(['HTTPRoute/api: removed in production: shop.example, m.shop.example no longer routed here']);
    expect(flags(before, new Map([[file, route(['shop.example'])]]))).toEqual(['HTTPRoute/api: host m.shop.example removed in production: it is no longer routed here']);
    expect(flags(before, new Map([[file, route(['shop.example', 'm.shop.example', 'new.shop.example'])]]))).toEqual([]);
    expect(diffObjects(before.get(file), route(['new.shop.example', 'shop.example', 'm.shop.example'])).map(f => f.path)).toEqual(['spec.hostnames[new.shop.example]']);
  });

  test('traffic moved between a route\'s backends, a path removed, in production; not outside it', () => {
    const route = (rules: any[], name = 'web') => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta(name), spec: { hostnames: ['shop.example'], parentRefs: [{ name: 'edge', namespace: 'edge' }], rules } });
    const rule = (path: string, refs: any[]) => ({ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: refs });
    const flags = (b: Map<string, any>, a: Map<string, any>) => riskyChanges(diffTrees(b, a), b, a).map(r => `${r.object}: ${r.reason}`);
    const at = (env: string, o: any) => new Map([[`${env}/shop/httproute-web.yaml`, o]]);
    const plain = route([rule('/', [{ name: 'web', port: 80 }]), rule('/api', [{ name: 'api', port: 80 }])]);
    const canary = (w: number) => route([rule('/', [{ name: 'web', port: 80, weight: 100 - w }, { name: 'web-preview', port: 80, weight: w }]), rule('/api', [{ name: 'api', port: 80 }])]);
    expect(flags(at('production', plain), at('production', canary(5)))).toEqual(['HTTPRoute/web: traffic moved in production on shop.example/: web 100% → 95%, web-preview 0% → 5%']);
    expect(flags(at('production', canary(5)), at('production', canary(25)))).toEqual(['HTTPRoute/web: traffic moved in production on shop.example/: web 95% → 75%, web-preview 5% → 25%']);
    // The promote ends the canary: back to the live Service alone.
    expect(flags(at('production', canary(50)), at('production', plain))).toEqual(['HTTPRoute/web: traffic moved in production on shop.example/: web 50% → 100%, web-preview 50% → 0%']);
    expect(flags(at('production', plain), at('production', route([rule('/', [{ name: 'web', port: 80 }])])))).toEqual(['HTTPRoute/web: path shop.example/api removed in production: it is no longer routed here']);
    expect(flags(at('staging', plain), at('staging', canary(5)))).toEqual([]);
  });

  test('a rate limit loosened or removed in production: Envoy Gateway\'s policy and ingress-nginx\'s annotations', () => {
    const policy = (rules: Array<[number, string]>) => ({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'BackendTrafficPolicy', metadata: meta('api'),
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'api' }],
        rateLimit: { local: { rules: rules.map(([requests, unit]) => ({ clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }], limit: { requests, unit } })) } },
      },
    });
    const file = `${P}backendtrafficpolicy-api.yaml`;
    const flags = (b: any, a: any) => {
      const [bt, at] = [new Map(b ? [[file, b]] : []), new Map(a ? [[file, a]] : [])];
      return riskyChanges(diffTrees(bt, at), bt, at).map(r => r.reason);
    };
    expect(flags(policy([[100, 'Minute']]), policy([[200, 'Minute']]))).toEqual(['rate limit loosened in production: 100/min → 200/min for each client of 0.0.0.0/0 on HTTPRoute api']);
    // 2 per second is 120 per minute: looser than 100 per minute.
    expect(flags(policy([[100, 'Minute']]), policy([[2, 'Second']]))).toEqual(['rate limit loosened in production: 100/min → 120/min for each client of 0.0.0.0/0 on HTTPRoute api']);
    expect(flags(policy([[100, 'Minute']]), policy([[50, 'Minute']]))).toEqual([]);
    expect(flags(policy([[100, 'Minute']]), policy([]))).toEqual(['rate limit loosened in production: 100/min for each client of 0.0.0.0/0 on HTTPRoute api removed']);
    expect(flags(policy([[100, 'Minute']]), undefined)).toEqual(['removed in production: the rate limits of HTTPRoute api (100/min) are lifted']);
    const ingress = (annotations: Record<string, string>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta('api'), annotations }, spec: { rules: [{ host: 'shop.example', http: { paths: [{ path: '/', backend: { service: { name: 'api' } } }] } }] } });
    const ing = `${P}ingress-api.yaml`;
    const iflags = (b: any, a: any) => riskyChanges(diffTrees(new Map([[ing, b]]), new Map([[ing, a]])), new Map([[ing, b]]), new Map([[ing, a]])).map(r => r.reason);
    expect(iflags(ingress({ 'nginx.ingress.kubernetes.io/limit-rpm': '100', 'nginx.ingress.kubernetes.io/limit-connections': '20' }), ingress({ 'nginx.ingress.kubernetes.io/limit-rpm': '300' })))
      .toEqual(['rate limit loosened in production: limit-rpm 100 → 300 (requests per minute per IP)', 'rate limit loosened in production: limit-connections 20 removed (no limit of connections per IP)']);
  });

  test('the same changes outside production raise only the flags meant for every environment', () => {
    const r = reviewOf(t => {
      for (const env of ['staging', 'dev']) {
        t.delete(`${env}/shop/ingress-api.yaml`);
        t.delete(`${env}/shop/poddisruptionbudget-api.yaml`);
        at(t, `${env}/shop/deployment-api.yaml`).spec.replicas = 0;
        delete api(t, env).readinessProbe;
        api(t, env).resources.limits.memory = '128Mi';
        at(t, `${env}/shop/service-api.yaml`).spec.ports.pop();
      }
    });
    expect(r.changes).toHaveLength(8);
    expect(r.flags).toEqual([]);
  });

  test('PostgreSQL changes that keep the data raise no flag; outside production only a removed Cluster does', () => {
    const r = reviewOf(t => {
      Object.assign(at(t, `${P}cluster-pg.yaml`).spec, { instances: 5, storage: { size: '200Gi' } });
      at(t, `${P}objectstore-pg-backups.yaml`).spec.retentionPolicy = '3m';
      at(t, `${P}scheduledbackup-pg-base-backup.yaml`).spec.schedule = '0 30 * * * *';
      at(t, `${P}cluster-other.yaml`).spec.instances = 1; // not CloudNativePG's
      t.delete(`${P}cluster-other.yaml`.replace('production', 'staging'));
      for (const env of ['staging', 'dev']) {
        Object.assign(at(t, `${env}/shop/cluster-pg.yaml`).spec, { instances: 1, plugins: [], storage: { size: '1Gi' } });
        t.delete(`${env}/shop/scheduledbackup-pg-base-backup.yaml`);
        t.delete(`${env}/shop/objectstore-pg-backups.yaml`);
      }
    });
    expect(r.changes).toHaveLength(11);
    expect(r.flags).toEqual([]);
  });

  test('new connections are flagged in production and staging, not dev', () => {
    const r = reviewOf(t => {
      for (const env of ENVS) { at(t, `${env}/shop/networkpolicy-api.yaml`).spec.egress.push({ to: [podPeer('db')], ports: tcp(5432) }); }
      t.delete('dev/shop/networkpolicy-api.yaml');
    });
    expect(r.flags).toEqual([
      'production/shop NetworkPolicy/api: opened wider: egress now allows to pods app.kubernetes.io/name=db,app.kubernetes.io/part-of=shop in namespace shop on 5432/TCP',
      'staging/shop NetworkPolicy/api: opened wider: egress now allows to pods app.kubernetes.io/name=db,app.kubernetes.io/part-of=shop in namespace shop on 5432/TCP',
    ]);
  });

  test('a smoke test removed with its NetworkPolicy (an idle color scaled down) raises no fence flag', () => {
    const r = reviewOf(t => {
      t.delete(`${P}job-api-preview-smoke-test.yaml`);
      t.delete(`${P}networkpolicy-api-preview-smoke-test.yaml`);
      at(t, `${P}networkpolicy-api.yaml`).spec.ingress.splice(2, 1);
    });
    expect(r.changes.map(c => `${c.object} ${c.change}`)).toEqual(['Job/api-preview-smoke-test removed', 'NetworkPolicy/api-preview-smoke-test removed', 'NetworkPolicy/api changed']);
    expect(r.flags).toEqual([]);
  });

  test('a PDB removed with its pods scaled to 0 is covered by the replicas flag', () => {
    const r = reviewOf(t => {
      at(t, `${P}deployment-api.yaml`).spec.replicas = 0;
      t.delete(`${P}poddisruptionbudget-api.yaml`);
    });
    expect(r.flags).toEqual(['production/shop Deployment/api: spec.replicas lowered to 0 in production: 3 → 0 (no pods will run)']);
  });
});

test('flags a PersistentVolumeClaim whose spec changed, not one whose labels did', () => {
  const claim = (storageClassName: string, team: string) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', labels: { team } }, spec: { storageClassName },
  });
  const file = 'production/ariaforge/persistentvolumeclaim-data.yaml';
  const flags = (a: object, b: object) => {
    const before = new Map([[file, a]]);
    const after = new Map([[file, b]]);
    return riskyChanges(diffTrees(before, after), before, after).map(r => r.reason);
  };
  expect(flags(claim('a', 'x'), claim('b', 'x'))).toEqual([
    "claim changed (spec.storageClassName): a PVC's spec is immutable except a larger storage request; data is at stake"]);
  expect(flags(claim('a', 'x'), claim('a', 'y'))).toEqual([]);
  const before = new Map([[file, claim('a', 'x')]]);
  expect(riskyChanges(diffTrees(before, new Map()), before, new Map()).map(r => r.reason)).toEqual(['removed: the volume and its data may be deleted']);
});

test('quantities compare by value', () => {
  expect(parseQuantity('1Gi')).toBe(2 ** 30);
  expect(parseQuantity('512Mi')! < parseQuantity('1G')!).toBe(true);
  expect(parseQuantity('250m')).toBe(0.25);
  expect(parseQuantity('1.5')).toBe(1.5);
  expect(parseQuantity('1e3')).toBe(1000);
  expect(parseQuantity('lots')).toBeUndefined();
});

describe('the pull-request comment', () => {
  const md = (systems: number, size: number) => [
    '## t', '', '### ⚠️ Risky changes (1)', '', '- **a b**: c', '', '| environment/system | added | removed | changed |',
    ...Array.from({ length: systems }, (_, i) => `\n### production/s${i}\n\n- ${'x'.repeat(size)}`),
  ].join('\n') + '\n';

  test('fits under the limit by leaving out whole systems, and says which and where they are', () => {
    const full = md(3, 100);
    expect(fitComment(full, 10_000, 'https://ci/run')).toBe(full);
    const cut = fitComment(full, 360, 'https://ci/run');
    expect(cut.length).toBeLessThanOrEqual(360);
    expect(cut).toContain('### production/s0');
    expect(cut).toContain('- **a b**: c');
    expect(cut).not.toContain('### production/s1');
    expect(cut.trimEnd().split('\n').pop()).toBe('_Not shown here (the comment would be too long): production/s1, production/s2. The whole review: https://ci/run_');
  });

  test('risks too many for a comment are cut at a line, and it says so', () => {
    const cut = fitComment(md(3, 100), 150, 'https://ci/run');
    expect(cut.length).toBeLessThanOrEqual(150);
    expect(cut).toBe('## t\n\n### ⚠️ Risky changes (1)\n\n- **a b**: c\n\n_The list above stops here (the comment would be too long): the whole review is at https://ci/run_\n');
  });
});

describe('npm run diff against git', () => {
  test('reports a change in the working tree against HEAD, then committed against HEAD~1', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'review-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
    try {
      git('init', '-q');
      git('config', 'user.email', 'ci@example.com');
      git('config', 'user.name', 'ci');
      for (const [file, object] of fleet()) {
        fs.mkdirSync(path.join(root, 'dist', path.dirname(file)), { recursive: true });
        fs.writeFileSync(path.join(root, 'dist', file), stringify(object));
      }
      git('add', '-A');
      git('-c', 'commit.gpgsign=false', 'commit', '-qm', 'base');
      expect(review(root, 'HEAD').markdown).toContain('no changes');

      const file = path.join(root, 'dist/production/shop/service-api.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('color: blue', 'color: green'));
      const line = '- production/shop Service/api: spec.selector.color blue → green';
      expect(review(root, 'HEAD').markdown.split('\n')).toContain(line);

      git('-c', 'commit.gpgsign=false', 'commit', '-qam', 'switch');
      expect(review(root, 'HEAD~1').markdown.split('\n')).toContain(line);
      expect(review(root, 'HEAD').markdown).toContain('no changes');
      expect(() => review(root, 'no-such-ref')).toThrow('"no-such-ref" is not a commit in this repository. Fix: pass a branch, tag or commit');

      // An emptied dist/ (a failed render) is an error, not a review removing everything.
      fs.rmSync(path.join(root, 'dist'), { recursive: true });
      expect(() => review(root, 'HEAD')).toThrow(`dist/ has no manifests in the working tree but ${fleet().size} at HEAD. Fix: run npm run synth`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
