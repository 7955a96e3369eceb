import * as path from 'path';
import { checkManifests, EXEMPT_PREFIX, failing, formatFindings, Manifest } from '../lib/policy/policy';
import { buildFleet } from '../lib/fleet';
import { renderApp } from '../lib/render/manifest-writer';
import { readWorkingTree } from '../scripts/diff';

/** Every manifest in the committed dist/ (as the working tree has it). */
function committedDist(): Manifest[] {
  return [...readWorkingTree(path.join(__dirname, '..'))].map(([file, object]) => ({ file, env: file.split('/')[0], object }));
}

/** A small valid system to break one thing at a time. */
const novacron = renderApp(buildFleet()).filter(f => f.path.startsWith('production/novacron/') && f.object);
function system(): Manifest[] {
  const files = novacron;
  return files.map(f => ({ file: f.path, env: 'production', object: JSON.parse(JSON.stringify(f.object)) }));
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
    ['root user', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].securityContext.runAsUser = 0; },
      'Deployment/api-server-blue container-security-context-user-group-id'],
    ['privilege escalation', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true; },
      'Deployment/api-server-blue pss-restricted'],
    ['hostPath volume', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.volumes.push({ name: 'h', hostPath: { path: '/' } }); },
      'Deployment/api-server-blue pss-restricted'],
    ['latest image', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].image = 'x/y:latest'; },
      'Deployment/api-server-blue container-image-tag'],
    ['missing limit', ms => { delete obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].resources.limits['ephemeral-storage']; },
      'Deployment/api-server-blue container-resources'],
    ['writable root', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; },
      'Deployment/api-server-blue container-security-context-readonlyrootfilesystem'],
    ['replicas on an autoscaled Deployment', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.replicas = 3; },
      'Deployment/api-server-blue deployment-has-host-podantiaffinity-replicas'],
    ['no PDB in production', ms => { ms.splice(ms.findIndex(m => m.object.kind === 'PodDisruptionBudget' && m.object.metadata.name === 'api-server-blue'), 1); },
      'Deployment/api-server-blue poddisruptionbudget'],
    ['no NetworkPolicy', ms => { ms.splice(ms.findIndex(m => m.object.kind === 'NetworkPolicy' && m.object.metadata.name === 'redis-exporter'), 1); },
      'Deployment/redis-exporter pod-networkpolicy'],
    ['Service selecting nothing', ms => { obj(ms, 'Service', 'api-server').spec.selector.color = 'purple'; },
      'Service/api-server service-targets-pod'],
    ['Ingress to a missing port', ms => { obj(ms, 'Ingress', 'api-server').spec.rules[0].http.paths[0].backend.service.port.number = 1234; },
      'Ingress/api-server ingress-targets-service'],
    ['ServiceMonitor on an unknown port', ms => { obj(ms, 'ServiceMonitor', 'api-server').spec.endpoints[0].port = 'prom'; },
      'ServiceMonitor/api-server servicemonitor-port'],
    ['HPA without target', ms => { obj(ms, 'HorizontalPodAutoscaler', 'api-server-blue').spec.scaleTargetRef.name = 'gone'; },
      'HorizontalPodAutoscaler/api-server-blue horizontalpodautoscaler-has-target'],
    ['literal secret', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].env.push({ name: 'DB_PASSWORD2', value: 'x' }); },
      'Deployment/api-server-blue secret-literal'],
    ['missing namespace', ms => { delete obj(ms, 'ConfigMap', 'novacron-config').metadata.namespace; },
      'ConfigMap/novacron-config namespace'],
    ['NodePort Service', ms => { obj(ms, 'Service', 'api-server').spec.type = 'NodePort'; }, 'Service/api-server service-type'],
    ['Secret with data', ms => { ms.push({ file: 'production/novacron/secret-x.yaml', env: 'production', object: { kind: 'Secret', metadata: { name: 'x', namespace: 'novacron' }, data: { a: 'b' } } }); },
      'Secret/x secret-data'],
    // Schemas (kubernetes-models) and the strict Kubernetes 1.27 field pass
    ['replicas as a string', ms => { obj(ms, 'HorizontalPodAutoscaler', 'api-server-blue').spec.maxReplicas = '20'; },
      'HorizontalPodAutoscaler/api-server-blue schema'],
    ['a malformed quantity', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].resources.limits.cpu = '2 cores'; },
      'Deployment/api-server-blue schema'],
    ['a typo in an HPA field', ms => { const s = obj(ms, 'HorizontalPodAutoscaler', 'api-server-blue').spec; s.minReplica = s.minReplicas; delete s.minReplicas; },
      'HorizontalPodAutoscaler/api-server-blue unknown-field'],
    ['a typo in a ServiceMonitor endpoint', ms => { obj(ms, 'ServiceMonitor', 'api-server').spec.endpoints[0].intervall = '15s'; },
      'ServiceMonitor/api-server unknown-field'],
    ['a field newer than Kubernetes 1.27', ms => { obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].restartPolicy = 'Always'; },
      'Deployment/api-server-blue unknown-field'],
    ['an apiVersion 1.27 no longer serves', ms => { obj(ms, 'PodDisruptionBudget', 'api-server-blue').apiVersion = 'policy/v1beta1'; },
      'PodDisruptionBudget/api-server-blue unknown-field'],
  ];
  test.each(mutations)('catches %s', (_t, mutate, expected) => {
    const ms = system();
    mutate(ms);
    expect(checksFailing(ms)).toContain(expected);
  });

  test('an unknown field is named by its path, with the field it was meant to be', () => {
    const ms = system();
    const s = obj(ms, 'HorizontalPodAutoscaler', 'api-server-blue').spec;
    s.minReplica = s.minReplicas;
    delete s.minReplicas;
    expect(formatFindings(failing(checkManifests(ms)))).toBe(
      'FAIL production/novacron/horizontalpodautoscaler-api-server-blue.yaml HorizontalPodAutoscaler/api-server-blue [unknown-field] '
      + 'spec.minReplica is not a field of autoscaling/v2 HorizontalPodAutoscaler in Kubernetes 1.27. Fix: rename it to spec.minReplicas');
  });

  test('Argo CD objects get the same schema and strict-field checks', () => {
    const argocd = renderApp(buildFleet()).filter(f => f.path.startsWith('production/argocd/'))
      .map(f => ({ file: f.path, env: 'production', object: JSON.parse(JSON.stringify(f.object)) }));
    expect(checksFailing(argocd)).toEqual([]);
    const app = obj(argocd, 'Application', 'novacron');
    app.spec.syncPolicy.retry.limitt = 3;
    app.spec.syncPolicy.retry.backoff.factor = 'double';
    expect(formatFindings(failing(checkManifests(argocd)))).toBe([
      'FAIL production/argocd/application-novacron.yaml Application/novacron [schema] spec.syncPolicy.retry.backoff.factor must be integer. Fix: make the value match the argoproj.io/v1alpha1 Application schema',
      'FAIL production/argocd/application-novacron.yaml Application/novacron [unknown-field] spec.syncPolicy.retry.limitt is not a field of argoproj.io/v1alpha1 Application in its CRD. Fix: rename it to spec.syncPolicy.retry.limit',
    ].join('\n'));
  });

  test('a schema error names the field and what the schema wants', () => {
    const ms = system();
    obj(ms, 'Deployment', 'api-server-blue').spec.template.spec.containers[0].resources.limits.cpu = '2 cores';
    expect(failing(checkManifests(ms)).map(f => f.message)).toEqual(['spec.template.spec.containers[0].resources.limits.cpu must match format "quantity"']);
  });

  test('a declared exemption shows in the report but does not fail', () => {
    const ms = system();
    const d = obj(ms, 'Deployment', 'api-server-blue');
    d.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    d.metadata.annotations = { [`${EXEMPT_PREFIX}container-image-pull-policy`]: 'air-gapped mirror' };
    const all = checkManifests(ms);
    expect(failing(all)).toEqual([]);
    expect(formatFindings(all)).toMatch(/EXEMPT .*Deployment\/api-server-blue \[container-image-pull-policy\].*\(exempt: air-gapped mirror\)/);
  });
});
