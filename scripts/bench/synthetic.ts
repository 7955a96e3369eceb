// Synthetic fleets for `npm run bench`: N Microservices (Deployment, Service, HPA, PDB,
// NetworkPolicy, Ingress, ServiceMonitor each) in one production system, built four ways:
//   ours          our constructs to YAML: construct validation, resolution, serialization
//   ours+synth    all npm run synth does but write files: renderApp (adds the traffic map)
//                 and the policy gate (schemas, strict fields, policy)
//   cdk8s-plus    the same objects as cdk8s-plus-27's typed classes (KubeDeployment, …) with
//                 the props our constructs passed them: the layer below ours
//   apiobject     the same objects as plain cdk8s ApiObjects with their final JSON
//   yaml          serializing the same objects to YAML, nothing else
// Each call runs in a fresh process and prints one JSON line: the timed region and peak RSS.
// `ours N --save` records the objects and props the other ways rebuild (untimed input).
import * as fs from 'fs';
import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../../lib/chart';
import { applySyncWave } from '../../lib/gitops/sync-waves';
import { Environment } from '../../lib/environments/environment';
import { ENVIRONMENTS } from '../../lib/environments/settings';
import { connect } from '../../lib/network/network-policy';
import { checkManifests } from '../../lib/policy/policy';
import { renderApp, toYaml, validateApp } from '../../lib/render/manifest-writer';
import { Microservice } from '../../lib/workload/microservice';

function ourFleet(n: number): App {
  const app = new App({ outdir: '/dev/null' });
  // On ingress-nginx, so the objects (an Ingress per service) stay those of the recorded benchmarks.
  const chart = new SystemChart(app, { environment: new Environment({ ...ENVIRONMENTS.production, edge: 'ingress-nginx' }), system: 'bench' });
  let previous: Microservice | undefined;
  for (let i = 0; i < n; i++) {
    const svc = new Microservice(chart, `svc-${i}`, {
      image: `ghcr.io/bench/svc-${i}:1.0.${i}`,
      ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }, { name: 'metrics', containerPort: 9090 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      probes: { readiness: { path: '/ready' }, liveness: { path: '/live' } },
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
      ingresses: [{ host: `svc-${i}.bench.example.com` }],
    });
    if (previous) { connect(previous, svc, ['http']); }
    previous = svc;
  }
  return app;
}

/** The objects our constructs render for n services (input for the other ways). */
function objectsFile(n: number): string {
  return `.build/bench/objects-${n}.json`;
}
function propsFile(n: number): string {
  return `.build/bench/props-${n}.json`;
}

// Typed classes by apiVersion/kind, and value classes (IntOrString, Quantity, …) by name.
const modules = [k8s, monitoring] as Array<Record<string, any>>;
const TYPED = new Map<string, any>();
const VALUES = new Map<string, any>();
for (const m of modules) {
  for (const [name, cls] of Object.entries(m)) {
    if (typeof cls !== 'function') { continue; }
    if (cls.GVK) { TYPED.set(`${cls.GVK.apiVersion}/${cls.GVK.kind}`, cls); }
    if (typeof cls.fromString === 'function' || typeof cls.fromNumber === 'function') { VALUES.set(name, cls); }
  }
}

/** The props each typed object was constructed with, as JSON (value classes tagged, Lazies produced). */
function recordProps(chart: Chart): string {
  const records = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map(o => {
    const props = (o as unknown as { props: any }).props;
    // The chart adds the sync wave at render time, and constructs may annotate an object after
    // creating it (kube-score exceptions); the typed build gets the final metadata up front.
    const shell = { kind: o.kind, metadata: JSON.parse(JSON.stringify(o.metadata.toJson())) };
    applySyncWave(shell);
    return { gvk: `${o.apiVersion}/${o.kind}`, props: { ...props, metadata: shell.metadata } };
  });
  return JSON.stringify(records, function (_key, value) {
    if (value instanceof Lazy) { return value.produce(); }
    const name = value?.constructor?.name;
    if (name && VALUES.get(name) === value.constructor) { return { $value: name, of: value.value }; }
    return value;
  });
}

function reviveProps(json: string): Array<{ gvk: string; props: any }> {
  return JSON.parse(json, (_key, value) => (value && typeof value === 'object' && '$value' in value
    ? new (VALUES.get(value.$value))(value.of) : value));
}

/** Fails unless the rebuilt objects are exactly ours (the comparison must be like for like). */
function verifySame(rebuilt: any[], ours: any[]): void {
  const key = (o: any) => `${o.kind}/${o.metadata.name}`;
  const a = new Map(rebuilt.map(o => [key(o), toYaml(o)]));
  const differing = ours.filter(o => a.get(key(o)) !== toYaml(o)).map(key);
  if (differing.length || a.size !== ours.length) {
    throw new Error(`the cdk8s-plus rebuild differs from our objects: ${differing.slice(0, 5).join(', ')} (${a.size} vs ${ours.length})`);
  }
}

export function run(args: string[]): void {
  const [way, size] = args;
  const n = Number(size);
  // Untimed: the input the other ways rebuild from.
  const objects: any[] = way === 'apiobject' || way === 'yaml' ? JSON.parse(fs.readFileSync(objectsFile(n), 'utf8')) : [];
  const typed = way === 'cdk8s-plus' ? reviveProps(fs.readFileSync(propsFile(n), 'utf8')) : [];
  const start = performance.now();
  let count = 0;
  if (way === 'ours') {
    const app = ourFleet(n);
    validateApp(app);
    const chart = app.node.children[0] as Chart;
    const json = chart.toJson();
    const props = args[2] === '--save' ? recordProps(chart) : '';
    count = json.map(toYaml).length;
    if (args[2] === '--save') {
      fs.mkdirSync('.build/bench', { recursive: true });
      fs.writeFileSync(objectsFile(n), JSON.stringify(json));
      fs.writeFileSync(propsFile(n), props);
    }
  } else if (way === 'ours+synth') {
    const files = renderApp(ourFleet(n));
    checkManifests(files.filter(f => f.object).map(f => ({ file: f.path, env: 'production', object: f.object })), { edges: { production: { edge: 'ingress-nginx', ingressClassName: 'nginx' } } });
    count = files.filter(f => f.object).length;
  } else if (way === 'cdk8s-plus') {
    const chart = new Chart(new App({ outdir: '/dev/null' }), 'bench', { disableResourceNameHashes: true });
    typed.forEach((r, i) => new (TYPED.get(r.gvk))(chart, `o${i}`, r.props));
    const json = chart.toJson();
    count = json.map(toYaml).length;
    if (args[2] === '--verify') { verifySame(json, JSON.parse(fs.readFileSync(objectsFile(n), 'utf8'))); }
  } else if (way === 'apiobject') {
    // The same objects as plain cdk8s ApiObjects in a chart, resolved and serialized.
    const chart = new Chart(new App({ outdir: '/dev/null' }), 'bench', { disableResourceNameHashes: true });
    objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
    const json = chart.toJson();
    count = json.map(toYaml).length;
  } else if (way === 'yaml') {
    count = objects.map(toYaml).length;
  } else {
    throw new Error(`unknown way "${way}": use ours, ours+synth, cdk8s-plus, apiobject or yaml`);
  }
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ way, n, objects: count, ms, maxRssKB: process.resourceUsage().maxRSS }) + '\n');
}
