import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { SystemChart } from '../lib/chart';
import { Environment, EnvironmentName, EnvironmentSettings } from '../lib/environments/environment';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { MicroserviceProps } from '../lib/workload/microservice';

/** A fresh app with one empty system chart in `env` (its settings changed by `overrides`, e.g. `{ edge: 'ingress-nginx' }`). */
export function testChart(env: EnvironmentName = 'production', system = 'shop', overrides: Partial<EnvironmentSettings> = {}): SystemChart {
  const app = new App({ outdir: '/dev/null' });
  return new SystemChart(app, { environment: new Environment({ ...ENVIRONMENTS[env], ...overrides }), system });
}

/** The chart's objects, as Kubernetes would receive them. */
export function objects(chart: SystemChart): any[] {
  return chart.toJson();
}

/** The one object of `kind` named `name`; fails the test when absent. */
export function find(all: any[], kind: string, name: string): any {
  const found = all.find(o => o.kind === kind && o.metadata.name === name);
  if (!found) {
    throw new Error(`no ${kind}/${name} among: ${all.map(o => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return found;
}

export function kinds(all: any[]): string[] {
  return all.map(o => `${o.kind}/${o.metadata.name}`).sort();
}

/** A valid web service; tests override one thing at a time. */
export function webProps(overrides: Partial<MicroserviceProps> = {}): MicroserviceProps {
  return {
    image: 'ghcr.io/acme/web:1.2.3',
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }, { name: 'metrics', containerPort: 9090 }],
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    probes: { readiness: { path: '/ready' }, liveness: { path: '/live' } },
    autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 },
    ...overrides,
  };
}


/** Every file under `dir` by its path relative to `dir`, with its text. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach(e => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) { walk(p); } else { out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8'); }
  });
  walk(dir);
  return out;
}
