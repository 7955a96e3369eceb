import * as path from 'path';
import { checkManifests, EXEMPT_PREFIX, failing, formatFindings, Manifest } from '../lib/policy/policy';
import { renderShop } from './fixtures/shop';
import { readWorkingTree } from '../scripts/diff';

/** Every manifest in the committed dist/ (as the working tree has it). */
function committedDist(): Manifest[] {
  return [...readWorkingTree(path.join(__dirname, '..'))].map(([file, object]) => ({ file, env: file.split('/')[0], object }));
}

/** The tool's fixture system (test/fixtures/shop.ts), valid, to break one thing at a time. */
const shopFiles = renderShop({}, ['production']);
const sample = shopFiles.filter(f => f.path.startsWith('production/shop/') && f.object);
function system(): Manifest[] {
  return sample.map(f => ({ file: f.path, env: 'production', object: JSON.parse(JSON.stringify(f.object)) }));
}
function obj(ms: Manifest[], kind: string, name: string): any {
  return ms.find(m => m.object.kind === kind && m.object.metadata.name === name)!.object;
}
function checksFailing(ms: Manifest[]): string[] {
  return [...new Set(failing(checkManifests(ms)).map(f => `${f.object} ${f.check}`))].sort();
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
  ];
  test.each(mutations)('catches %s', (_t, mutate, expected) => {
    const ms = system();
    mutate(ms);
    expect(checksFailing(ms)).toContain(expected);
  });

  test('an unknown field is named by its path, with the field it was meant to be', () => {
    const ms = system();
    const s = obj(ms, 'HorizontalPodAutoscaler', 'web-blue').spec;
    s.minReplica = s.minReplicas;
    delete s.minReplicas;
    expect(formatFindings(failing(checkManifests(ms)))).toBe(
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
    expect(failing(checkManifests(ms)).map(f => f.message)).toEqual(['spec.template.spec.containers[0].resources.limits.cpu must match format "quantity"']);
  });

  test('a check kube-score is told to skip (kube-score/ignore) is skipped by the gate too, with the recorded reason', () => {
    const ms = system();
    const d = obj(ms, 'Deployment', 'web-blue');
    d.spec.template.spec.containers[0].livenessProbe = d.spec.template.spec.containers[0].readinessProbe;
    expect(checksFailing(ms)).toContain('Deployment/web-blue pod-probes-identical');
    d.metadata.annotations = { 'kube-score/ignore': 'pod-probes-identical', 'kube-score.fleet.dev/pod-probes-identical': 'the app has one endpoint' };
    expect(checksFailing(ms)).toEqual([]);
    expect(formatFindings(checkManifests(ms))).toMatch(/EXEMPT .*Deployment\/web-blue \[pod-probes-identical\].*\(exempt: the app has one endpoint\)/);
  });

  test('a declared exemption shows in the report but does not fail', () => {
    const ms = system();
    const d = obj(ms, 'Deployment', 'web-blue');
    d.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    d.metadata.annotations = { [`${EXEMPT_PREFIX}container-image-pull-policy`]: 'air-gapped mirror' };
    const all = checkManifests(ms);
    expect(failing(all)).toEqual([]);
    expect(formatFindings(all)).toMatch(/EXEMPT .*Deployment\/web-blue \[container-image-pull-policy\].*\(exempt: air-gapped mirror\)/);
  });
});
