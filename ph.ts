import * as fs from 'fs';
import { ApiObject, App, Chart } from 'cdk8s';
import { SystemChart } from './lib/chart';
import { Environment } from './lib/environments/environment';
import { ENVIRONMENTS } from './lib/environments/settings';
import { connect } from './lib/network/network-policy';
import { toYaml } from './lib/render/manifest-writer';
import { Microservice } from './lib/workload/microservice';
export function run(args: string[]) {
  const n = 1000;
  const t: Record<string, number> = {};
  let s = performance.now();
  const lap = (k: string) => { const now = performance.now(); t[k] = Math.round(now - s); s = now; };
  if (args[0] === 'ours') {
    const app = new App({ outdir: '/dev/null' });
    const chart = new SystemChart(app, { environment: new Environment(ENVIRONMENTS.production), system: 'bench' });
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
    lap('construct');
    app.node.findAll().flatMap(c => c.node.validate());
    lap('validate');
    const objs = chart.toJson();
    lap('toJson');
    objs.map(toYaml);
    lap('yaml');
  } else {
    const objects = JSON.parse(fs.readFileSync('.build/bench/objects-1000.json', 'utf8'));
    s = performance.now();
    const app = new App({ outdir: '/dev/null' });
    const chart = new Chart(app, 'bench', { disableResourceNameHashes: true });
    objects.forEach((o: any, i: number) => new ApiObject(chart, `o${i}`, o));
    lap('construct');
    const objs = chart.toJson();
    lap('toJson');
    objs.map(toYaml);
    lap('yaml');
  }
  console.log(args[0], JSON.stringify(t));
}
