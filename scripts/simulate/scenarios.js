#!/usr/bin/env node
// Blue/green releases of production/songnodes run for real: the simulated cluster
// (scripts/simulate/cluster.js: the real etcd, kube-apiserver, kube-controller-manager with
// the HPA controller, kube-scheduler; kwok nodes; stand-ins for storage and metrics) synced by
// Argo CD's own engine (tools/gitops-sync). The manifests are rendered by our constructs at
// release states of the scenarios' own (scripts/simulate/render.ts), never the live ones.
//
//   node scripts/simulate/scenarios.js [--keep] [--only a,b,...] [--json FILE]
//
// Each scenario records the sync duration, the switch time (sync start → every live
// endpoint on the new color) and the fewest ready live endpoints seen during the sync, and
// fails with what it saw when a property does not hold.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startSimCluster } = require('./cluster');
const { crdsFor, readEnvironment } = require('../verify/verify');

const root = path.resolve(__dirname, '..', '..');
const SYSTEM = 'songnodes';
const NAMESPACE = 'songnodes';
const FOLDER = `production/${SYSTEM}`;
/** The second system the scenarios install, release and promote: AriaForge, whose datastores had claims. */
const SECOND = { system: 'ariaforge', namespace: 'ariaforge', folder: 'production/ariaforge' };
const argv = process.argv.slice(2);
const option = name => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };

/** The blue/green services of a system, found in releases.json (never a hand-kept list). */
function blueGreenServices(releases, system = SYSTEM) {
  return Object.entries(releases.production[system]).filter(([, r]) => 'active' in r).map(([name]) => name);
}

/** The scenarios' own starting release state: every blue/green service live on blue, green warm. */
function baseReleases() {
  const real = JSON.parse(fs.readFileSync(path.join(root, 'lib', 'environments', 'releases.json'), 'utf8'));
  const base = JSON.parse(JSON.stringify(real));
  for (const system of [SYSTEM, SECOND.system]) {
    for (const name of blueGreenServices(real, system)) {
      const repo = (real.production[system][name].blue ?? real.production[system][name].green).replace(/:[^:/]+$/, '');
      base.production[system][name] = { active: 'blue', blue: `${repo}:2.0.0`, green: `${repo}:2.0.1`, idle: 'warm' };
    }
  }
  return base;
}

/** The Argo CD health customizations the fleet relies on, written by render() (argocd-cm's Lua checks). */
const healthLuaFile = tmp => path.join(tmp, 'argocd-health-lua.json');
/**
 * The Applications' syncPolicy.retry (lib/gitops/argo-cd.ts: 5 attempts, from 10 s, doubling):
 * Argo CD starts a failed operation again, e.g. after an autoscaler briefly reported Degraded.
 */
const APPLICATION_RETRY = { retryLimit: 5, retryBackoffSeconds: 10 };

/** Renders production/songnodes (or a step's `folder`) at each release state, in one process; returns the folders. */
function render(tmp, steps) {
  const jobs = steps.map((s, i) => ({ releases: s.releases, promote: s.promote, folder: s.folder ?? FOLDER, edges: s.edges, outdir: path.join(tmp, `render-${i}-${s.name}`) }));
  const file = path.join(tmp, `render-jobs-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(jobs));
  const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'run-app.js'), 'scripts/simulate/render.ts', file, healthLuaFile(tmp)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  const releases = JSON.parse(out);
  return jobs.map((j, i) => ({ dir: j.outdir, releases: releases[i] }));
}

/** AriaForge's states: installed on blue, green released, promoted with its serving count. */
function secondSteps(base, target) {
  const services = blueGreenServices(base, SECOND.system);
  const released = JSON.parse(JSON.stringify(base));
  for (const s of services) { released.production[SECOND.system][s].green = released.production[SECOND.system][s].green.replace(/:[^:/]+$/, ':2.0.2'); }
  const at = s => target(s).replace(`/${SYSTEM}/`, `/${SECOND.system}/`);
  return [
    { name: 'ariaforge-install', releases: base, folder: SECOND.folder },
    { name: 'ariaforge-release', releases: released, folder: SECOND.folder },
    { name: 'ariaforge-promote', releases: released, folder: SECOND.folder, promote: services.map(s => ({ target: at(s), serving: 3 })) },
  ];
}

const colorsOf = sample => Object.keys(sample.colors).filter(c => sample.colors[c] > 0).sort();

/** The figures of one sync: fewest ready live endpoints per service, and when traffic moved. */
function measure(result, samples, services, to) {
  const byService = Object.fromEntries(services.map(s => [s, samples.filter(x => x.service === s)]));
  const minReady = Object.fromEntries(services.map(s => [s, Math.min(...byService[s].map(x => x.ready.length))]));
  let switchSeconds;
  if (to) {
    // The first tick at which every service's ready live endpoints are all of the new color.
    const ticks = [...new Set(samples.map(x => x.t))].sort((a, b) => a - b);
    const at = ticks.find(t => services.every(s => {
      const x = byService[s].find(y => y.t === t);
      return x && x.ready.length > 0 && colorsOf(x).join() === to;
    }));
    if (at !== undefined) { switchSeconds = (at - result.startedAt) / 1000; }
  }
  return { syncSeconds: result.durationSeconds, phase: result.phase, switchSeconds, minReady };
}

function resource(result, kind, name) {
  return result.resources.find(r => r.kind === kind && r.name === name);
}

/** The rendered folder of the environment's Gateway (platform-config). */
const EDGE_FOLDER = 'production/platform-config';
/** The Gateway API objects of the platform's folder: the simulation installs the Gateway the routes attach to. */
const EDGE_KINDS = new Set(['GatewayClass', 'Gateway']);
const isEdgeFile = f => f.rel.startsWith(`dist/${EDGE_FOLDER}/`) && f.objects.every(o => EDGE_KINDS.has(o.kind));

/** Applies the GatewayClass and the Gateway (into its namespace); the stand-in plays Envoy Gateway's status. */
async function installGateway(sim, dir) {
  const files = fs.readdirSync(dir).filter(n => /^(gatewayclass|gateway)-.*\.yaml$/.test(n)).map(n => path.join(dir, n));
  const gateway = files.map(f => fs.readFileSync(f, 'utf8')).find(t => /^kind: Gateway$/m.test(t));
  const namespace = /^  namespace: (\S+)$/m.exec(gateway)[1];
  await sim.kubectl(['create', 'namespace', namespace]);
  await sim.kubectl(['apply', '--server-side', ...files.flatMap(f => ['-f', f])]);
}

/**
 * What is wrong with `service`'s HTTPRoute for a canary of `weight` percent (0: no canary):
 * its backendRefs must be the live Service at 100 - weight and the preview at weight (the live
 * Service alone at 0), and the Gateway's implementation (the stand-in) must have accepted the
 * route and resolved its backends for its current generation — what Argo CD's HTTPRoute check
 * requires. Undefined when all holds.
 */
async function canaryRouteProblem(sim, namespace, service, weight) {
  const route = JSON.parse((await sim.kubectl(['get', 'httproute', '-n', namespace, service, '-o', 'json'])).out || 'null');
  if (!route) { return `no HTTPRoute ${service}`; }
  // The API server defaults a backendRef's weight to 1: a single one takes everything.
  const refs = JSON.stringify(route.spec.rules[0].backendRefs.map(b => [b.name, b.weight ?? 1]));
  const want = JSON.stringify(weight > 0 ? [[service, 100 - weight], [`${service}-preview`, weight]] : [[service, 1]]);
  if (refs !== want) { return `HTTPRoute ${service} sends ${refs}, not ${want}`; }
  // The status is written asynchronously: give the implementation a moment.
  for (let i = 0; i < 20; i++) {
    const live = JSON.parse((await sim.kubectl(['get', 'httproute', '-n', namespace, service, '-o', 'json'])).out);
    const conditions = live.status?.parents?.[0]?.conditions ?? [];
    const ok = ['Accepted', 'ResolvedRefs'].every(t => conditions.some(c => c.type === t && c.status === 'True' && c.observedGeneration === live.metadata.generation));
    if (ok) { return undefined; }
    if (i === 19) { return `HTTPRoute ${service} generation ${live.metadata.generation} not accepted: ${JSON.stringify(conditions.map(c => [c.type, c.status, c.reason, c.observedGeneration]))}`; }
    await new Promise(r => setTimeout(r, 250));
  }
  return undefined;
}

/**
 * The release states of scenario i, rendered with the others: production for the ingress-nginx
 * edge, from the state f ends in (`canary50` promoted: `service` live on green, no canary),
 * with a 25% canary of `service`, then its promote.
 */
function nginxCanarySteps(canary50, service, target) {
  const canary = JSON.parse(JSON.stringify(canary50));
  const entry = canary.production[SYSTEM][service];
  entry.active = entry.active === 'blue' ? 'green' : 'blue'; // f's promote
  entry.canaryWeight = 25;
  const edges = { production: 'ingress-nginx' };
  return [
    { name: 'nginx-canary-25', releases: canary, edges },
    { name: 'nginx-canary-promote', releases: canary, edges, promote: [target(service)] },
  ];
}

/**
 * Scenario i: the canary on the ingress-nginx edge (`on`: the 25% canary, `off`: its promote,
 * both rendered for that edge): the canary Ingress carries the weight and goes with the
 * promote, and the switch to that edge removes the HTTPRoutes (the next sync, on the Gateway
 * API again, the Ingresses).
 */
async function nginxCanary({ sim, on, off, service, syncStep, record, check }) {
  const canaryIngresses = async () => JSON.parse((await sim.kubectl(['get', 'ingress', '-n', NAMESPACE, '-o', 'json'])).out).items
    .filter(i => i.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] === 'true');
  const i1 = await syncStep(undefined, { dir: on.dir });
  record('i canary on ingress-nginx', 'canary 25%', i1.figures);
  check('i', i1.result.phase === 'Succeeded', `sync ${i1.result.phase}: ${i1.result.message}`);
  const ing = (await canaryIngresses()).find(x => x.spec.rules[0].http.paths[0].backend.service.name === `${service}-preview`);
  check('i', ing?.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight'] === '25', `no canary Ingress at 25% to ${service}-preview (${ing?.metadata.name})`);
  const routes = JSON.parse((await sim.kubectl(['get', 'httproute', '-n', NAMESPACE, '-o', 'json'])).out).items.map(r => r.metadata.name);
  check('i', routes.length === 0, `HTTPRoutes left on the ingress-nginx edge: ${routes.join(', ')}`);
  const i2 = await syncStep(undefined, { dir: off.dir });
  record('i canary on ingress-nginx', 'promote', i2.figures);
  const left = (await canaryIngresses()).map(x => x.metadata.name);
  check('i', left.length === 0, `a canary Ingress is left after the promote: ${left.join(', ')}`);
  check('i', (off.releases.production[SYSTEM][service].canaryWeight ?? 0) === 0, 'promote kept the canary weight');
}

async function main() {
  const started = Date.now();
  const bin = execFileSync(path.join(root, 'tools', 'build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-scenarios-'));
  const only = option('only')?.split(',');
  const base = baseReleases();
  const services = blueGreenServices(base);
  const set = (releases, fn) => { const r = JSON.parse(JSON.stringify(releases)); fn(r.production[SYSTEM]); return r; };
  const target = s => `production/${SYSTEM}/${s}`;
  // What `npm run promote -- <target> --serving N` is told: more than the HPA minimum (2), so
  // the color going live must be scaled up before the switch.
  const SERVING = 4;

  // Every release state the scenarios go through, rendered up front.
  const broken = set(base, sys => { for (const s of services) { sys[s].green = sys[s].green.replace(/:[^:/]+$/, ':broken'); } });
  const released = set(base, sys => { for (const s of services) { sys[s].green = sys[s].green.replace(/:[^:/]+$/, ':2.0.2'); } });
  const canary = w => set(released, sys => { sys[services[0]].canaryWeight = w; });
  const steps = [
    { name: 'install', releases: base },
    { name: 'release', releases: released },
    { name: 'promote', releases: released, promote: services.map(s => ({ target: target(s), serving: SERVING })) },
    { name: 'rollback', releases: released, promote: [...services.map(target), ...services.map(target)] },
    { name: 'canary-5', releases: canary(5) },
    { name: 'canary-25', releases: canary(25) },
    { name: 'canary-50', releases: canary(50) },
    { name: 'canary-promote', releases: canary(50), promote: [target(services[0])] },
    { name: 'idle-down', releases: set(released, sys => { for (const s of services) { sys[s].idle = 'scaled-down'; } }) },
    { name: 'broken-release', releases: broken },
    { name: 'broken-install', releases: broken },
    ...secondSteps(base, target),
    // The environment's Gateway (platform-config), which the routes attach to.
    { name: 'edge', releases: base, folder: EDGE_FOLDER },
    ...nginxCanarySteps(canary(50), services[0], target),
  ];
  const renderStarted = Date.now();
  const rendered = Object.fromEntries(render(tmp, steps).map((r, i) => [steps[i].name, r]));
  const renderSeconds = (Date.now() - renderStarted) / 1000;

  const sim = await startSimCluster({ bin, workDir: path.join(tmp, 'cluster') });
  const report = { renderSeconds, clusterReadySeconds: sim.timings.readyMs / 1000, scenarios: [] };
  const failures = [];
  const check = (scenario, ok, what) => { if (!ok) { failures.push(`${scenario}: ${what}`); } return ok; };
  try {
    // The CRDs the system uses, as verify installs them.
    const crdDir = path.resolve(root, process.env.FLEET_CRDS || '../shared/crds');
    const crds = crdsFor(crdDir, readEnvironment('production').filter(f => [FOLDER, SECOND.folder].some(d => f.rel.startsWith(`dist/${d}/`)) || isEdgeFile(f)));
    await sim.kubectl(['apply', '--server-side', ...[...crds.values()].flatMap(c => ['-f', c.file])]);
    await sim.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...[...crds.keys()].map(n => `crd/${n}`)]);
    await installGateway(sim, rendered.edge.dir);

    const live = services;
    /** One sync of a rendered state, with the live Services watched throughout. */
    const syncStep = async (name, { to, timeoutSeconds = 90, system = SYSTEM, namespace = NAMESPACE, watched = live, dir = rendered[name]?.dir } = {}) => {
      const watch = sim.watchEndpoints({ namespace, services: watched, intervalMs: 200 });
      const result = await sim.sync({ dir, namespace, name: system, prune: true, timeoutSeconds, waveDelaySeconds: 0, settleSeconds: 20, healthLua: healthLuaFile(tmp), ...APPLICATION_RETRY });
      await new Promise(r => setTimeout(r, 1000)); // one more second of samples after the sync
      const samples = await watch.stop();
      return { result, samples, figures: measure(result, samples, watched, to) };
    };
    const record = (scenario, step, figures, extra = {}) => {
      report.scenarios.push({ scenario, step, ...figures, ...extra });
      // A sync that waits on a broken color is meant to end without success; say so in the log.
      const phase = figures.phase !== 'Succeeded' && extra.reported !== undefined ? `${figures.phase} (as it must: a broken color)` : figures.phase;
      console.log(`  ${scenario.padEnd(28)} ${step.padEnd(16)} ${phase.padEnd(9)} sync ${figures.syncSeconds.toFixed(1)} s`
        + `${figures.switchSeconds !== undefined ? `, switch ${figures.switchSeconds.toFixed(1)} s` : ''}`
        + `, fewest ready live endpoints ${Math.min(...Object.values(figures.minReady))}`);
    };
    const deployment = async name => JSON.parse((await sim.kubectl(['get', 'deployment', '-n', NAMESPACE, name, '-o', 'json'])).out || '{}');
    const want = only ? s => only.includes(s) : () => true;

    // a. First install on an empty cluster.
    const a = await syncStep('install');
    record('a first install', 'install', a.figures);
    check('a', a.result.phase === 'Succeeded', `sync ${a.result.phase}: ${a.result.message}`);
    const unhealthy = a.result.resources.filter(r => r.health && r.health !== 'Healthy').map(r => `${r.kind}/${r.name} ${r.health} ${r.healthMessage ?? ''}`);
    check('a', unhealthy.length === 0, `not Healthy after the first install: ${unhealthy.join('; ')}`);
    const last = s => a.samples.filter(x => x.service === s).pop();
    for (const s of live) { check('a', last(s)?.ready.length > 0 && colorsOf(last(s)).join() === 'blue', `${s} has no ready blue endpoints after the install`); }

    // h. A second system, production/ariaforge: first install, release to the idle color, promote.
    // Its own namespace and Application, so it runs beside b–g (the syncs mostly wait).
    const runSecond = async () => {
      const second = blueGreenServices(base, SECOND.system);
      const opts = { system: SECOND.system, namespace: SECOND.namespace, watched: second };
      const h1 = await syncStep('ariaforge-install', opts);
      record('h ariaforge', 'first install', h1.figures);
      check('h', h1.result.phase === 'Succeeded', `first install: sync ${h1.result.phase}: ${h1.result.message}`);
      const sick = h1.result.resources.filter(r => r.health && r.health !== 'Healthy').map(r => `${r.kind}/${r.name} ${r.health} ${r.healthMessage ?? ''}`);
      check('h', sick.length === 0, `not Healthy after the first install: ${sick.join('; ')}`);
      const h2 = await syncStep('ariaforge-release', opts);
      record('h ariaforge', 'release', h2.figures);
      check('h', h2.result.phase === 'Succeeded', `release: sync ${h2.result.phase}: ${h2.result.message}`);
      const h3 = await syncStep('ariaforge-promote', { ...opts, to: 'green' });
      record('h ariaforge', 'promote', h3.figures);
      check('h', h3.result.phase === 'Succeeded' && h3.figures.switchSeconds !== undefined, `promote: sync ${h3.result.phase}: ${h3.result.message}`);
      for (const s of second) {
        check('h', h1.samples.filter(x => x.service === s).pop()?.ready.length > 0, `${s} has no ready endpoints after the first install`);
        check('h', h3.figures.minReady[s] > 0, `${s} had no ready live endpoint during the promote`);
      }
    };
    const ariaforgeRun = want('h') ? runSecond().catch(e => { failures.push(`h: ${e.stack || e.message}`); }) : Promise.resolve();

    // b. Release to the idle color: only green rolls; live endpoints never change.
    if (want('b')) {
      const blueGen = Object.fromEntries(await Promise.all(live.map(async s => [s, (await deployment(`${s}-blue`)).metadata?.generation])));
      const b = await syncStep('release');
      record('b release to idle', 'release', b.figures);
      check('b', b.result.phase === 'Succeeded', `sync ${b.result.phase}: ${b.result.message}`);
      for (const s of live) {
        const seen = new Set(b.samples.filter(x => x.service === s).map(x => colorsOf(x).join()));
        check('b', seen.size === 1 && seen.has('blue'), `${s}'s live endpoints changed color during a release to the idle color: ${[...seen].join(' | ')}`);
        check('b', (await deployment(`${s}-blue`)).metadata?.generation === blueGen[s], `${s}-blue was rolled by a release to green`);
        const candidate = resource(b.result, 'Job', `${s}-preview-smoke-test`);
        check('b', candidate?.hookType === 'PostSync' && candidate.hookPhase === 'Succeeded', `${s}: the candidate (green 2.0.2) was not tested after the release (${JSON.stringify(candidate)})`);
      }
    }

    // c. Promote: green is tested, then goes live; the live Services never lose their endpoints.
    if (want('c')) {
      const before = Object.fromEntries(live.map(s => [s, a.samples.filter(x => x.service === s).pop()?.ready.length ?? 0]));
      const c = await syncStep('promote', { to: 'green' });
      record('c promote', 'promote', c.figures);
      check('c', c.result.phase === 'Succeeded', `sync ${c.result.phase}: ${c.result.message}`);
      for (const s of live) {
        check('c', c.figures.minReady[s] > 0, `${s} had no ready live endpoint during the promote`);
        const gate = resource(c.result, 'Job', `${s}-smoke-test`);
        const svc = resource(c.result, 'Service', s);
        check('c', gate?.hookPhase === 'Succeeded' && gate.wave < svc?.wave, `${s}: the gate did not pass before the switch (${JSON.stringify(gate)}, Service wave ${svc?.wave})`);
        // Warm before the switch: when green first takes live traffic it already runs what was serving.
        const firstGreen = c.samples.find(x => x.service === s && (x.colors.green ?? 0) > 0);
        check('c', (firstGreen?.colors.green ?? 0) >= SERVING, `${s}: green took live traffic with ${firstGreen?.colors.green ?? 0} ready pods; ${SERVING} were serving (promote --serving ${SERVING})`);
        const end = c.samples.filter(x => x.service === s).pop();
        check('c', colorsOf(end).join() === 'green' && end.ready.length >= before[s], `${s}: after the promote ${JSON.stringify(end.colors)}, serving before ${before[s]}`);
        const blue = await deployment(`${s}-blue`);
        check('c', (blue.status?.readyReplicas ?? 0) > 0, `${s}-blue is not warm after the promote`);
      }
      check('c', c.figures.switchSeconds !== undefined, 'live traffic never moved wholly to green');
    }

    // d. Green breaks after going live; rolling back (promote again) restores blue in one sync.
    if (want('d')) {
      for (const s of live) { await sim.kubectl(['label', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${s}-green`, 'sim.fleet.dev/broken=true', '--overwrite']); }
      await new Promise(r => setTimeout(r, 1500));
      const d = await syncStep('rollback', { to: 'blue', timeoutSeconds: 20 });
      record('d rollback from broken', 'rollback', d.figures, { reported: d.result.resources.filter(r => r.health && r.health !== 'Healthy').map(r => `${r.kind}/${r.name}: ${r.health}`) });
      check('d', d.figures.switchSeconds !== undefined, `live traffic did not return to blue in the rollback sync (${d.result.phase}: ${d.result.message})`);
      for (const s of live) {
        const end = d.samples.filter(x => x.service === s).pop();
        check('d', colorsOf(end).join() === 'blue' && end.ready.length > 0, `${s}: after the rollback ${JSON.stringify(end.colors)}`);
        // The fault is fixed (the broken pods replaced) before the next scenario.
        await sim.kubectl(['delete', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${s}-green`, '--wait=false']);
      }
    }

    // f. Canary 5 → 25 → 50 → promote on the Gateway API: the canary is the route's weights; it ends with the promote.
    if (want('f')) {
      const svc = services[0];
      for (const w of [5, 25, 50]) {
        const f = await syncStep(`canary-${w}`);
        record('f canary', `canary ${w}%`, f.figures);
        const problem = await canaryRouteProblem(sim, NAMESPACE, svc, w);
        check('f', !problem, `canary ${w}%: ${problem}`);
      }
      const p = await syncStep('canary-promote', { to: undefined });
      record('f canary', 'promote', p.figures);
      const left = await canaryRouteProblem(sim, NAMESPACE, svc, 0);
      check('f', !left, `after the promote: ${left} (its share would go to the retired color)`);
      check('f', (rendered['canary-promote'].releases.production[SYSTEM][svc].canaryWeight ?? 0) === 0, 'promote kept the canary weight');
    }

    // i. The same canary on the ingress-nginx edge (production rendered for it: one settings
    // change), then back to the Gateway API by the next scenario's sync.
    if (want('i')) {
      await nginxCanary({ sim, on: rendered['nginx-canary-25'], off: rendered['nginx-canary-promote'], service: services[0], syncStep, record, check });
    }

    // g. The idle color scaled down, a promote to it refused, then warmed again.
    if (want('g')) {
      const g = await syncStep('idle-down');
      record('g idle scaled down', 'scale down', g.figures);
      for (const s of live) {
        const idle = rendered['idle-down'].releases.production[SYSTEM][s].active === 'blue' ? 'green' : 'blue';
        const dep = await deployment(`${s}-${idle}`);
        check('g', dep.spec?.replicas === 0 && !(dep.status?.readyReplicas > 0), `${s}-${idle} still runs pods after scaling down`);
      }
      let refused = '';
      try { render(tmp, [{ name: 'refused', releases: rendered['idle-down'].releases, promote: [target(services[0])] }]); } catch (e) { refused = String(e.stderr || e.message); }
      check('g', /scaled down/.test(refused), `promote to a scaled-down color was not refused: ${refused.slice(0, 200)}`);
      const w = await syncStep('release');
      record('g idle scaled down', 'warm again', w.figures);
      for (const s of live) {
        const dep = await deployment(`${s}-green`);
        check('g', (dep.status?.readyReplicas ?? 0) > 0, `${s}-green is not warm again`);
      }
    }

    // e. A broken candidate on a release, and on a first install: the released version keeps serving.
    if (want('e')) {
      const e1 = await syncStep('broken-release', { timeoutSeconds: 20 });
      const failing = r => r.resources.filter(x => x.status === 'Failed' || (x.health && !['Healthy', undefined].includes(x.health))).map(x => `${x.kind}/${x.name}: ${x.status}${x.health ? ` ${x.health}` : ''}`);
      record('e broken candidate', 'on a release', e1.figures, { reported: failing(e1.result) });
      check('e', e1.result.phase !== 'Succeeded' && failing(e1.result).length > 0, `a broken candidate was not reported (${e1.result.phase}: ${e1.result.message})`);
      for (const s of live) { check('e', e1.figures.minReady[s] > 0, `${s} lost its live endpoints to a broken candidate`); }

      await sim.kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=120s']);
      const e2 = await syncStep('broken-install', { timeoutSeconds: 20 });
      record('e broken candidate', 'on a first install', e2.figures, { reported: failing(e2.result) });
      check('e', failing(e2.result).length > 0, `a broken candidate on a first install was not reported (${e2.result.phase}: ${e2.result.message})`);
      for (const s of live) {
        const end = e2.samples.filter(x => x.service === s).pop();
        check('e', end?.ready.length > 0 && colorsOf(end).join() === 'blue', `${s} does not serve blue after a first install with a broken green: ${JSON.stringify(end?.colors)}`);
      }
    }

    await ariaforgeRun; // h, started after a
  } finally {
    await sim.stop();
    if (!argv.includes('--keep')) { fs.rmSync(tmp, { recursive: true, force: true }); } else { console.log(`kept ${tmp}`); }
  }
  report.totalSeconds = (Date.now() - started) / 1000;
  report.failures = failures;
  if (option('json')) { fs.writeFileSync(option('json'), JSON.stringify(report, null, 2)); }
  if (failures.length) {
    console.log(failures.map(f => `  FAIL ${f}`).join('\n'));
    console.log(`scenarios: ${failures.length} failure(s) in ${report.totalSeconds.toFixed(0)} s`);
  } else {
    console.log(`scenarios: every property held (${report.totalSeconds.toFixed(0)} s)`);
  }
  return report;
}

module.exports = { main };
if (require.main === module) {
  main().then(r => { process.exitCode = r.failures.length ? 1 : 0; })
    .catch(e => { console.error(`scenarios: ${e.stack || e.message}`); process.exitCode = 2; });
}
