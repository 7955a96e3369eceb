import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFleet } from '../lib/fleet';
import { renderApp } from '../lib/render/manifest-writer';
import { diffTrees, riskyChanges, toMarkdown } from '../lib/review/manifest-diff';
import { review } from '../scripts/diff';

// A real tree to change one thing at a time: production and staging songnodes.
const rendered = renderApp(buildFleet()).filter(f => f.object && /^(production|staging)\/songnodes\//.test(f.path));
const tree = () => new Map(rendered.map(f => [f.path, JSON.parse(JSON.stringify(f.object))]));
const at = (t: Map<string, any>, file: string) => {
  const o = t.get(file);
  if (!o) { throw new Error(`no ${file}`); }
  return o;
};

function reviewOf(mutate: (after: Map<string, any>) => void) {
  const before = tree();
  const after = tree();
  mutate(after);
  const changes = diffTrees(before, after);
  const risks = riskyChanges(changes, before, after);
  return { changes, risks, markdown: toMarkdown(changes, risks, 'test'), flags: risks.map(r => `${r.dir} ${r.object}: ${r.reason}`) };
}

describe('review diff', () => {
  test('no changes says so', () => {
    const r = reviewOf(() => undefined);
    expect(r.changes).toEqual([]);
    expect(r.markdown).toBe('## test\n\nno changes\n');
  });

  test('a changed field is one line: env/system Kind/name: path old → new', () => {
    const r = reviewOf(t => { at(t, 'production/songnodes/service-backend-api.yaml').spec.selector.color = 'green'; });
    expect(r.markdown.split('\n')).toContain('- production/songnodes Service/backend-api: spec.selector.color blue → green');
    expect(r.markdown).toContain('| production/songnodes | 0 | 0 | 1 |');
    expect(r.risks).toEqual([]);
  });

  test('added and removed objects are listed by environment and system', () => {
    const r = reviewOf(t => {
      t.set('staging/songnodes/configmap-extra.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'songnodes' } });
      t.delete('staging/songnodes/servicemonitor-backend-api.yaml');
    });
    expect(r.changes.map(c => `${c.dir} ${c.object} ${c.change}`)).toEqual([
      'staging/songnodes ConfigMap/extra added',
      'staging/songnodes ServiceMonitor/backend-api removed',
    ]);
    expect(r.markdown).toContain('- staging/songnodes ConfigMap/extra: **added**');
    expect(r.markdown).toContain('- staging/songnodes ServiceMonitor/backend-api: **removed**');
  });

  test('benign changes raise no flag: an image, an annotation, staging replicas', () => {
    const r = reviewOf(t => {
      at(t, 'production/songnodes/deployment-backend-api-green.yaml').spec.template.spec.containers[0].image = 'ghcr.io/x/y:2';
      at(t, 'production/songnodes/statefulset-postgres.yaml').metadata.annotations.note = 'x';
      at(t, 'staging/songnodes/deployment-rest-api.yaml').spec.replicas = 1;
      at(t, 'production/songnodes/horizontalpodautoscaler-backend-api-blue.yaml').spec.maxReplicas += 5;
    });
    expect(r.changes).toHaveLength(4);
    expect(r.flags).toEqual([]);
  });

  const risky: Array<[string, (t: Map<string, any>) => void, string]> = [
    ['a Deployment removed', t => t.delete('production/songnodes/deployment-rest-api.yaml'),
      'production/songnodes Deployment/rest-api: removed: its pods will be deleted'],
    ['a StatefulSet removed', t => t.delete('staging/songnodes/statefulset-postgres.yaml'),
      'staging/songnodes StatefulSet/postgres: removed: its pods will be deleted'],
    ['a volume claim template changed', t => { at(t, 'production/songnodes/statefulset-postgres.yaml').spec.volumeClaimTemplates[0].spec.resources.requests.storage = '1Gi'; },
      'production/songnodes StatefulSet/postgres: spec.volumeClaimTemplates changed: immutable; the StatefulSet must be deleted (orphaning pods) and recreated'],
    ['a Deployment selector changed', t => { at(t, 'production/songnodes/deployment-rest-api.yaml').spec.selector.matchLabels.tier = 'x'; },
      'production/songnodes Deployment/rest-api: spec.selector changed: immutable; the apply will fail until the Deployment is recreated'],
    ['replicas lowered in production', t => { at(t, 'production/songnodes/deployment-rest-api.yaml').spec.replicas = 1; },
      'production/songnodes Deployment/rest-api: spec.replicas lowered in production: 3 → 1'],
    ['HPA minimum lowered in production', t => { at(t, 'production/songnodes/horizontalpodautoscaler-backend-api-blue.yaml').spec.minReplicas = 1; },
      'production/songnodes HorizontalPodAutoscaler/backend-api-blue: spec.minReplicas lowered in production: 2 → 1'],
    ['HPA maximum lowered in production', t => { at(t, 'production/songnodes/horizontalpodautoscaler-backend-api-blue.yaml').spec.maxReplicas = 4; },
      'production/songnodes HorizontalPodAutoscaler/backend-api-blue: spec.maxReplicas lowered in production: 10 → 4'],
    ['egress to a new CIDR', t => { at(t, 'staging/songnodes/networkpolicy-rest-api.yaml').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] }); },
      'staging/songnodes NetworkPolicy/rest-api: opened wider: egress now allows to 0.0.0.0/0 on 443/TCP'],
    ['a rule losing its ports (all ports)', t => { delete at(t, 'production/songnodes/networkpolicy-postgres.yaml').spec.ingress[0].ports; },
      'production/songnodes NetworkPolicy/postgres: opened wider: ingress now allows from'],
    ['a rule losing its peers (anyone)', t => { delete at(t, 'production/songnodes/networkpolicy-postgres.yaml').spec.ingress[0].from; },
      'production/songnodes NetworkPolicy/postgres: opened wider: ingress now allows from anyone on'],
    ['a policy type dropped', t => { at(t, 'production/songnodes/networkpolicy-redis.yaml').spec.policyTypes = ['Ingress']; },
      'production/songnodes NetworkPolicy/redis: opened wider: no longer restricts Egress'],
    ['a NetworkPolicy removed', t => t.delete('production/songnodes/networkpolicy-redis.yaml'),
      'production/songnodes NetworkPolicy/redis: removed: its pods lose this fence (open wider)'],
    ['an HPA removed in production', t => t.delete('production/songnodes/horizontalpodautoscaler-graph-api-green.yaml'),
      'production/songnodes HorizontalPodAutoscaler/graph-api-green: removed in production: the workload no longer scales'],
  ];
  test.each(risky)('flags %s', (_name, mutate, expected) => {
    const r = reviewOf(mutate);
    expect(r.flags.some(f => f.startsWith(expected))).toBe(true);
    // Flags come first in the Markdown.
    expect(r.markdown.indexOf('Risky changes')).toBeLessThan(r.markdown.indexOf('| environment/system |'));
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

describe('npm run diff against git', () => {
  test('reports a promotion in the working tree against HEAD, then committed against HEAD~1', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'review-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
    try {
      git('init', '-q');
      git('config', 'user.email', 'ci@example.com');
      git('config', 'user.name', 'ci');
      for (const f of rendered) {
        fs.mkdirSync(path.join(root, 'dist', path.dirname(f.path)), { recursive: true });
        fs.writeFileSync(path.join(root, 'dist', f.path), f.content);
      }
      git('add', '-A');
      git('-c', 'commit.gpgsign=false', 'commit', '-qm', 'base');
      expect(review(root, 'HEAD').markdown).toContain('no changes');

      const file = path.join(root, 'dist/production/songnodes/service-backend-api.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('color: blue', 'color: green'));
      const line = '- production/songnodes Service/backend-api: spec.selector.color blue → green';
      expect(review(root, 'HEAD').markdown.split('\n')).toContain(line);

      git('-c', 'commit.gpgsign=false', 'commit', '-qam', 'promote');
      expect(review(root, 'HEAD~1').markdown.split('\n')).toContain(line);
      expect(review(root, 'HEAD').markdown).toContain('no changes');
      expect(() => review(root, 'no-such-ref')).toThrow('"no-such-ref" is not a commit in this repository. Fix: pass a branch, tag or commit');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
