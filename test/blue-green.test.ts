import { Microservice } from '../lib/workload/microservice';
import { BlueGreenSpec } from '../lib/bluegreen/blue-green';
import { SMOKE_TEST_IMAGE } from '../lib/bluegreen/smoke-test';
import { diffObjects } from '../lib/review/object-diff';
import { promoteArgs, promoted } from '../scripts/promote';
import { Edge } from '../lib/environments/environment';
import { ReleaseManifest } from '../lib/environments/releases';
import { find, kinds, objects, testChart, webProps } from './util';

function render(bg: BlueGreenSpec, env: 'staging' | 'production' = 'production', edge?: Edge) {
  const chart = testChart(env, 'shop', edge ? { edge } : {});
  new Microservice(chart, 'web', webProps({
    image: undefined,
    blueGreen: bg,
    ingresses: [{ host: 'web.example.com' }],
  }));
  return objects(chart);
}
const pair: BlueGreenSpec = {
  active: 'blue', blue: { image: 'ghcr.io/acme/web:1.0.0' }, green: { image: 'ghcr.io/acme/web:1.1.0' }, previewHost: 'preview.example.com',
};

describe('blue/green', () => {
  test('two complete workloads, each with its own image, HPA and PDB, pods labelled with their color', () => {
    const all = render(pair);
    for (const [color, tag] of [['blue', '1.0.0'], ['green', '1.1.0']]) {
      const d = find(all, 'Deployment', `web-${color}`);
      expect(d.spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/web:${tag}`);
      expect(d.spec.template.metadata.labels.color).toBe(color);
      expect(d.spec.template.metadata.labels['app.kubernetes.io/version']).toBe(tag);
      expect(find(all, 'HorizontalPodAutoscaler', `web-${color}`).spec.scaleTargetRef.name).toBe(`web-${color}`);
      expect(find(all, 'PodDisruptionBudget', `web-${color}`).spec.selector.matchLabels['app.kubernetes.io/instance']).toBe(`web-${color}`);
    }
  });

  test('the stable Service selects the active color, the preview Service the other', () => {
    const all = render(pair);
    expect(find(all, 'Service', 'web').spec.selector).toEqual({ 'app.kubernetes.io/name': 'web', 'color': 'blue' });
    expect(find(all, 'Service', 'web-preview').spec.selector).toEqual({ 'app.kubernetes.io/name': 'web', 'color': 'green' });
    expect(find(all, 'HTTPRoute', 'web').spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80 }]);
    expect(find(all, 'HTTPRoute', 'web-preview').spec.hostnames).toEqual(['preview.example.com']);
    expect(find(all, 'HTTPRoute', 'web-preview').spec.rules[0].backendRefs).toEqual([{ name: 'web-preview', port: 80 }]);
    const nginx = render(pair, 'production', 'ingress-nginx');
    expect(find(nginx, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.name).toBe('web');
    expect(find(nginx, 'Ingress', 'web-preview').spec.rules[0]).toMatchObject({ host: 'preview.example.com' });
    expect(find(nginx, 'Ingress', 'web-preview').spec.rules[0].http.paths[0].backend.service.name).toBe('web-preview');
  });

  test('one NetworkPolicy covers both colors; metrics keep the color as a target label', () => {
    const all = render(pair);
    expect(all.filter(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'web')).toHaveLength(1);
    expect(find(all, 'NetworkPolicy', 'web').spec.podSelector.matchLabels).not.toHaveProperty('color');
    const sm = find(all, 'ServiceMonitor', 'web');
    expect(sm.spec.podTargetLabels).toContain('color');
    // It selects the stable and the preview Service, so both colors are scraped once each; the
    // per-color Services (which select the same pods again) are skipped.
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop' });
    expect(sm.spec.selector.matchExpressions).toEqual([{ key: 'fleet.dev/color-service', operator: 'DoesNotExist' }]);
    expect(find(all, 'Service', 'web-preview').metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(find(all, 'Service', 'web-green').metadata.labels).toMatchObject({ 'fleet.dev/color-service': 'green' });
  });

  test('flipping the active color moves the selectors, the waves of the two colors, and what the tests test', () => {
    const before = render(pair);
    const after = render({ ...pair, active: 'green' });
    expect(kinds(after)).toEqual(kinds(before));
    const changes = before.flatMap(o => {
      const twin = find(after, o.kind, o.metadata.name);
      return diffObjects(o, twin).map(c => `${o.kind}/${o.metadata.name} ${c.path} ${c.before}→${c.after}`);
    });
    const wave = 'metadata.annotations.argocd.argoproj.io/sync-wave';
    expect(changes.sort()).toEqual([
      `Deployment/web-blue ${wave} 0→3`,
      `Deployment/web-green ${wave} 3→0`,
      `HorizontalPodAutoscaler/web-blue ${wave} 0→3`,
      `HorizontalPodAutoscaler/web-green ${wave} 3→0`,
      'Job/web-preview-smoke-test spec.template.metadata.labels.fleet.dev/tests-color green→blue',
      'Job/web-preview-smoke-test spec.template.metadata.labels.fleet.dev/tests-version 1.1.0→1.0.0',
      'Job/web-preview-smoke-test spec.template.spec.containers[smoke-test].args[10] http://web-green.shop.svc.cluster.local:80/ready→http://web-blue.shop.svc.cluster.local:80/ready',
      'Job/web-smoke-test spec.template.metadata.labels.fleet.dev/tests-color blue→green',
      'Job/web-smoke-test spec.template.metadata.labels.fleet.dev/tests-version 1.0.0→1.1.0',
      'Job/web-smoke-test spec.template.spec.containers[smoke-test].args[10] http://web-blue.shop.svc.cluster.local:80/ready→http://web-green.shop.svc.cluster.local:80/ready',
      `PodDisruptionBudget/web-blue ${wave} 0→3`,
      `PodDisruptionBudget/web-green ${wave} 3→0`,
      'Service/web spec.selector.color blue→green',
      'Service/web-preview spec.selector.color green→blue',
    ]);
  });

  test('a scaled-down idle color has replicas 0 and no HPA, PDB or candidate test; the gate stays', () => {
    const all = render({ ...pair, idle: 'scaled-down' });
    expect(find(all, 'Deployment', 'web-green').spec.replicas).toBe(0);
    expect(kinds(all)).not.toContain('HorizontalPodAutoscaler/web-green');
    expect(kinds(all)).not.toContain('PodDisruptionBudget/web-green');
    expect(kinds(all)).not.toContain('Job/web-preview-smoke-test');
    expect(kinds(all)).toContain('Job/web-smoke-test');
    expect(kinds(all)).toContain('HorizontalPodAutoscaler/web-blue');
  });

  test('the color going live is applied, then tested, then switched to; the idle color only after the switch', () => {
    const all = render(pair);
    const wave = (kind: string, name: string) => Number(find(all, kind, name).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('Service', 'web-blue')).toBeLessThan(wave('Deployment', 'web-blue') + 1);
    expect(wave('Deployment', 'web-blue')).toBeLessThan(wave('Job', 'web-smoke-test'));
    expect(wave('HorizontalPodAutoscaler', 'web-blue')).toBeLessThan(wave('Job', 'web-smoke-test'));
    expect(wave('Job', 'web-smoke-test')).toBeLessThan(wave('Service', 'web'));
    expect(wave('Service', 'web-preview')).toBe(wave('Service', 'web'));
    // A broken candidate (or the broken color of a rollback) never holds up the live selector.
    expect(wave('Deployment', 'web-green')).toBeGreaterThan(wave('Service', 'web'));
    expect(wave('PodDisruptionBudget', 'web-green')).toBeGreaterThan(wave('Service', 'web'));
    expect(find(all, 'Job', 'web-preview-smoke-test').metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
  });

  test('the gate tests the color going live through its own Service, and records what it tests', () => {
    const all = render(pair);
    const job = find(all, 'Job', 'web-smoke-test');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '1',
    });
    expect(job.spec.template.metadata.labels).toMatchObject({ 'fleet.dev/tests-color': 'blue', 'fleet.dev/tests-version': '1.0.0' });
    expect(find(all, 'Service', 'web-blue').spec.selector).toEqual({ 'app.kubernetes.io/name': 'web', 'color': 'blue' });
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.spec.backoffLimit).toBeLessThanOrEqual(2);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const c = pod.containers[0];
    expect(c.image).toBe(SMOKE_TEST_IMAGE);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.args[c.args.length - 1]).toBe('http://web-blue.shop.svc.cluster.local:80/ready');
    // The policy admits the smoke test to the service's pods, and lets it out to them.
    expect(JSON.stringify(find(all, 'NetworkPolicy', 'web').spec.ingress)).toContain('web-preview-smoke-test');
    expect(find(all, 'NetworkPolicy', 'web-preview-smoke-test').spec.egress.length).toBe(2);
  });

  test.each([5, 25, 50, 100])('Gateway API: a canary weight of %i%% is the route\'s weights between the live and preview Services', weight => {
    const route = find(render({ ...pair, canaryWeight: weight }), 'HTTPRoute', 'web');
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80, weight: 100 - weight }, { name: 'web-preview', port: 80, weight }]);
    expect(route.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('2');
    // The preview host keeps reaching the preview Service alone.
    expect(find(render({ ...pair, canaryWeight: weight }), 'HTTPRoute', 'web-preview').spec.rules[0].backendRefs).toEqual([{ name: 'web-preview', port: 80 }]);
  });

  test('Gateway API: promote ends the canary; the route goes back to the live Service alone', () => {
    const releases = { dev: {}, staging: {}, production: { shop: { web: { ...pair, blue: pair.blue!.image, green: pair.green!.image, canaryWeight: 50 } } } } as unknown as ReleaseManifest;
    const after = promoted(releases, 'production/shop/web').next.production.shop.web as any;
    expect(after.canaryWeight).toBeUndefined();
    const route = find(render({ ...pair, active: after.active, canaryWeight: after.canaryWeight }), 'HTTPRoute', 'web');
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80 }]);
  });

  test('ingress-nginx: a canary weight renders a canary Ingress to the preview; 0 renders none', () => {
    expect(kinds(render(pair, 'production', 'ingress-nginx')).some(k => k.includes('canary'))).toBe(false);
    const all = render({ ...pair, canaryWeight: 25 }, 'production', 'ingress-nginx');
    const canary = find(all, 'Ingress', 'web-canary');
    expect(canary.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '25',
      'argocd.argoproj.io/sync-wave': '2',
    });
    expect(canary.spec.rules[0]).toMatchObject({ host: 'web.example.com' });
    expect(canary.spec.rules[0].http.paths[0].backend.service.name).toBe('web-preview');
  });

  test('a live floor raises the live color\'s autoscaler minimum only', () => {
    const all = render({ ...pair, liveFloor: 5 });
    expect(find(all, 'HorizontalPodAutoscaler', 'web-blue').spec).toMatchObject({ minReplicas: 5, maxReplicas: 6 });
    expect(find(all, 'HorizontalPodAutoscaler', 'web-green').spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    // A floor below the autoscaler's own minimum changes nothing.
    expect(find(render({ ...pair, liveFloor: 1 }), 'HorizontalPodAutoscaler', 'web-blue').spec.minReplicas).toBe(2);
  });

  test('refuses a live floor the autoscaler could never reach', () => {
    expect(() => render({ ...pair, liveFloor: 7 })).toThrow(/liveFloor 7 is above maxReplicas 6.*Fix: use at most 6/s);
    expect(() => render({ ...pair, liveFloor: 0 })).toThrow(/liveFloor/);
  });

  test('refuses impossible blue/green specs', () => {
    expect(() => render({ active: 'green', blue: { image: 'a/b:1' } })).toThrow(/the active color green has no image/);
    expect(() => render({ ...pair, canaryWeight: 10, idle: 'scaled-down' })).toThrow(/canaryWeight 10 sends traffic to the green color, which is scaled down/);
    expect(() => render({ ...pair, canaryWeight: 120 })).toThrow(/canaryWeight 120 is above 100/);
    expect(() => render({ ...pair, active: 'red' as any })).toThrow(/active color "red" does not exist/);
  });
});

describe('promote', () => {
  test('the command line: the target alone, or with --serving N before or after it', () => {
    expect(promoteArgs(['production/shop/web'])).toEqual({ target: 'production/shop/web', serving: undefined });
    expect(promoteArgs(['production/shop/web', '--serving', '4'])).toEqual({ target: 'production/shop/web', serving: 4 });
    expect(promoteArgs(['--serving', '4', 'production/shop/web'])).toEqual({ target: 'production/shop/web', serving: 4 });
    expect(promoteArgs([]).target).toBeUndefined();
  });

  // A release file of the tool's own, not the fleet's: its live colors change with every release.
  const base: ReleaseManifest = {
    dev: { shop: { web: { image: 'ghcr.io/acme/web:1.1.0' } } },
    staging: { shop: { web: { active: 'green', blue: 'ghcr.io/acme/web:1.0.0', green: 'ghcr.io/acme/web:1.1.0' } } },
    production: { shop: { web: { active: 'blue', blue: 'ghcr.io/acme/web:1.0.0', green: 'ghcr.io/acme/web:1.1.0' }, mailer: { image: 'ghcr.io/acme/mailer:2.0.0' } } },
  };
  test('flips the live color; promoting twice restores the release', () => {
    const once = promoted(base, 'production/shop/web');
    expect([once.from, once.to]).toEqual(['blue', 'green']);
    expect((once.next.production.shop.web as any).active).toBe('green');
    expect(once.next.staging).toEqual(base.staging);
    const twice = promoted(once.next, 'production/shop/web');
    expect(twice.next).toEqual(base);
    expect(promoted(base, 'staging/shop/web').to).toBe('blue');
  });
  test('ends a canary: after the flip the preview Service selects the retired color', () => {
    const canary = { ...base, production: { shop: { ...base.production.shop, web: { ...base.production.shop.web, canaryWeight: 50 } } } } as ReleaseManifest;
    const once = promoted(canary, 'production/shop/web');
    expect(once.canaryEnded).toBe(50);
    expect(once.next.production.shop.web).toEqual({ active: 'green', blue: 'ghcr.io/acme/web:1.0.0', green: 'ghcr.io/acme/web:1.1.0' });
    expect(promoted(base, 'production/shop/web').canaryEnded).toBeUndefined();
  });
  test('--serving gives the color going live a floor; the next promote drops it', () => {
    const once = promoted(base, 'production/shop/web', 6);
    expect(once.next.production.shop.web).toEqual({ active: 'green', blue: 'ghcr.io/acme/web:1.0.0', green: 'ghcr.io/acme/web:1.1.0', liveFloor: 6 });
    expect(promoted(once.next, 'production/shop/web').next).toEqual(base);
    expect(promoted(once.next, 'production/shop/web', 4).next.production.shop.web).toMatchObject({ active: 'blue', liveFloor: 4 });
    expect(() => promoted(base, 'production/shop/web', 0)).toThrow(/--serving 0 is not a replica count/);
    expect(() => promoted(base, 'production/shop/web', NaN)).toThrow(/is not a replica count.*kubectl get hpa -n <namespace> web-blue/);
  });
  test('refuses a scaled-down color, a color with no image, and services that do not exist', () => {
    const withRelease = (r: object) => ({ ...base, production: { shop: { ...base.production.shop, web: r } } }) as ReleaseManifest;
    expect(() => promoted(withRelease({ active: 'blue', blue: 'a:1', green: 'a:2', idle: 'scaled-down' }), 'production/shop/web'))
      .toThrow(/the green color is scaled down/);
    expect(() => promoted(withRelease({ active: 'blue', blue: 'a:1' }), 'production/shop/web'))
      .toThrow(/the green color has no image/);
    expect(() => promoted(base, 'production/shop/nope')).toThrow(/does not exist/);
    expect(() => promoted(base, 'qa/shop/web')).toThrow(/environment "qa" does not exist/);
    expect(() => promoted(base, 'production/shop/mailer')).toThrow(/is not blue\/green/);
  });
});
