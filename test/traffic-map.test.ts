import { buildFleet } from '../lib/fleet';
import {
  DIAGRAM_BUDGET, diagramsOf, diagramSize, oversizedDiagrams, podCount, podRange, portLabel, PolicyFlows, trafficMap,
} from '../lib/gitops/traffic-map';
import { renderApp } from '../lib/render/manifest-writer';

// ---- A small fixture system, built here, so that these tests do not depend on the fleet's data.
const NAME = 'app.kubernetes.io/name';
const NS = 'shop';
const labels = (app: string, color?: string) => ({ [NAME]: app, ...(color ? { color } : {}) });
const workload = (kind: string, name: string, app: string, replicas?: number, color?: string) => ({
  kind, metadata: { name }, spec: { ...(replicas === undefined ? {} : { replicas }), template: { metadata: { labels: labels(app, color) } } },
});
const service = (name: string, app: string, color?: string) => ({ kind: 'Service', metadata: { name }, spec: { selector: labels(app, color) } });
const hpa = (target: string, min: number, max: number) => ({
  kind: 'HorizontalPodAutoscaler', metadata: { name: target }, spec: { scaleTargetRef: { name: target }, minReplicas: min, maxReplicas: max },
});
const ingress = (name: string, host: string, backend: string, path = '/') => ({
  kind: 'Ingress', metadata: { name },
  spec: { ingressClassName: 'nginx', rules: [{ host, http: { paths: [{ path, backend: { service: { name: backend } } }] } }] },
});
const pods = (app: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } }, podSelector: { matchLabels: labels(app) } });
const namespace = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
const policy = (app: string, flows: PolicyFlows['flows']): PolicyFlows => ({ name: app, podSelector: labels(app), flows });
const egress = (peer: any, ports: number[], description = 'call') =>
  ({ direction: 'egress' as const, peers: [peer], ports: ports.map(port => ({ port })), description });
const ingressFrom = (peer: any, ports: number[], description = 'call') =>
  ({ direction: 'ingress' as const, peers: [peer], ports: ports.map(port => ({ port })), description });

/** web (blue live, green scaled down), api (1 pod), worker (2 pods), db (StatefulSet, 1 pod). */
function fixture(extraApps = 0): string {
  const objects: any[] = [
    workload('Deployment', 'web-blue', 'web', 2, 'blue'), hpa('web-blue', 2, 4),
    workload('Deployment', 'web-green', 'web', 0, 'green'),
    service('web', 'web', 'blue'), ingress('web', 'shop.example.com', 'web'),
    workload('Deployment', 'api', 'api', 1), service('api', 'api'), ingress('api', 'shop.example.com', 'api', '/api'),
    workload('Deployment', 'worker', 'worker', 2),
    workload('StatefulSet', 'db', 'db', 1), service('db', 'db'),
  ];
  const policies = [
    policy('web', [ingressFrom(namespace('ingress-nginx'), [8080], 'ingress controller'), egress(pods('api'), [8000])]),
    policy('api', [ingressFrom(pods('web'), [8000]), ingressFrom(pods('worker'), [8000]), egress(pods('db'), [5432, 6379]),
      { direction: 'egress', peers: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }], ports: [{ port: 443 }], description: 'payments API' }]),
    policy('worker', [egress(pods('api'), [8000]), egress(pods('db'), [5432])]),
    policy('db', [ingressFrom(pods('api'), [5432, 6379]), ingressFrom(pods('worker'), [5432]), ingressFrom(namespace('monitoring'), [9187], 'Prometheus scrapes')]),
  ];
  // Many look-alike clients of db, to grow the datastore diagram past the budget.
  for (let i = 1; i <= extraApps; i++) {
    objects.push(workload('Deployment', `job-${i}`, `job-${i}`, 1));
    policies.push(policy(`job-${i}`, [egress(pods('db'), [5432])]));
  }
  return trafficMap({ title: 'test/shop', namespace: NS, objects, policies });
}

// The subset of Mermaid flowchart syntax the map uses: every id plain, every text quoted.
// (All twelve maps of the fleet also render with mermaid 11's CLI, checked by hand.)
const GRAMMAR = [
  /^flowchart LR$/,
  /^ *subgraph \w+ \["[^"]*"\]$/,
  /^ *direction LR$/,
  /^ *end$/,
  /^ *\w+(\["[^"]*"\]|\(\["[^"]*"\]\)|\[\("[^"]*"\)\]|\[\/"[^"]*"\/\]|\(\(\w+\)\)|\(\("[^"]*"\)\))(:::(live|preview|idle))?$/,
  /^ *\w+ (-->|-\.->|-- "[^"]*" -->) \w+$/,
  /^ *classDef (live|preview|idle) [\w:#,. -]+$/,
  /^ *style \w+ [\w:#,. -]+$/,
];
const EDGE = /^ *(\w+) (?:-->|-\.->|-- "[^"]*" -->) (\w+)$/;

/** Lines of a diagram outside the grammar, and edges whose ends are not defined in it. */
function malformed(lines: readonly string[]): string[] {
  const defined = new Set(lines.map(l => /^ *(?:subgraph )?(\w+)[[( ]/.exec(l)?.[1]).filter(Boolean));
  return [
    ...lines.filter(l => !GRAMMAR.some(g => g.test(l))),
    ...lines.filter(l => EDGE.test(l)).filter(l => { const [, a, b] = EDGE.exec(l)!; return !defined.has(a) || !defined.has(b); }),
  ];
}

describe('traffic map of a fixture system', () => {
  const map = fixture();
  const diagrams = diagramsOf(map);
  const all = diagrams.flat().map(l => l.trim());

  test('four diagrams, each in the grammar subset, every edge joining defined nodes', () => {
    expect(diagrams).toHaveLength(4);
    for (const d of diagrams) { expect(malformed(d)).toEqual([]); }
  });

  test('the checker catches unquoted text and dangling edges', () => {
    expect(malformed(['flowchart LR', '  a[label]', '  a --> b'])).toEqual(['  a[label]', '  a --> b']);
  });

  test('counts say "1 pod", "2 pods", "0 pods" for a scaled-down idle color, and a range for an HPA', () => {
    expect(all).toContain('app_db[("db<br/>StatefulSet · 1 pod")]');
    expect(all).toContain('app_worker["worker<br/>Deployment · 2 pods"]');
    expect(all).toContain('w_web_green["web-green<br/>green · idle · 0 pods"]:::idle');
    expect(all).toContain('w_web_blue["web-blue<br/>blue · live · 2–4 pods"]:::live');
    expect(map).toContain('| api | Deployment | 1 pod | api | – |');
    expect(map).not.toMatch(/\b1 pods\b/);
  });

  test('from the Internet: hosts → Services → the live color; "/" needs no label, other paths have one', () => {
    expect(all).toEqual(expect.arrayContaining([
      'internet --> host_shop_example_com',
      'host_shop_example_com --> svc_web',
      'host_shop_example_com -- "/api" --> svc_api',
      'svc_web --> w_web_blue',
    ]));
    expect(map).toContain('| Internet (nginx) | Service api | shop.example.com/api | Ingress api |');
  });

  test('one arrow per pair of peers, with all its ports in one label', () => {
    expect(all).toContain('app_api -- "5432, 6379/TCP" --> app_db');
    expect(all).toContain('app_worker -- "5432/TCP" --> app_db');
    expect(all.filter(l => /^app_api .*--> app_db$/.test(l))).toHaveLength(1);
    // Both ends of a pod-to-pod flow allow it: drawn once, listed once.
    expect(all.filter(l => /^app_web .*--> app_api$/.test(l))).toHaveLength(1);
    expect(map.split('\n').filter(l => l.startsWith('| worker | api |'))).toEqual(['| worker | api | 8000/TCP | call |']);
  });

  test('ports shared by every arrow into a node are written once, in the node', () => {
    expect(all).toContain('app_api["api<br/>Deployment · 1 pod<br/>port 8000/TCP"]');
    expect(all).toContain('app_web --> app_api');
  });

  test('CIDR exceptions are counted in the node and listed in full in the table', () => {
    expect(all).toContain('cidr_0_0_0_0_0[("payments API<br/>0.0.0.0/0<br/>except 2 ranges")]');
    expect(map).toContain('| api | 0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16 | 443/TCP | payments API |');
  });

  test('the platform diagram holds the flows from other namespaces, and only those', () => {
    const platform = diagrams[3].map(l => l.trim());
    expect(platform).toEqual(expect.arrayContaining(['ext_monitoring --> app_db', 'ext_ingress_nginx --> app_web']));
    expect(platform.filter(l => EDGE.test(l)).every(l => l.startsWith('ext_'))).toBe(true);
  });

  test('look-alike clients are drawn as one box with one arrow', () => {
    const stores = diagramsOf(fixture(3))[2].map(l => l.trim());
    expect(stores).toContain('subgraph bundle_1 [" "]');
    expect(stores).toContain('bundle_1 -- "5432/TCP" --> app_db');
    expect(stores.filter(l => /^app_job_\d .*-->/.test(l))).toEqual([]);
  });

  test('deterministic', () => {
    expect(fixture()).toBe(map);
  });
});

describe('a datastore run by an operator', () => {
  test('a CloudNativePG Cluster is drawn as a datastore with its instances, reached by its clients', () => {
    const objects = [workload('Deployment', 'api', 'api', 2), { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 3 } }];
    const pg = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } }, podSelector: { matchLabels: { 'cnpg.io/cluster': 'pg' } } };
    const policies: PolicyFlows[] = [
      policy('api', [egress(pg, [5432])]),
      { name: 'pg', podSelector: { 'cnpg.io/cluster': 'pg' }, flows: [ingressFrom(pods('api'), [5432])] },
    ];
    const page = trafficMap({ title: 'test/shop', namespace: NS, objects, policies });
    expect(page).toContain('app_pg[("pg<br/>Cluster · 3 pods")]');
    expect(page).toContain('| pg | Cluster | 3 pods | – | – |');
    // In the datastore diagram, not between workloads.
    const stores = page.slice(page.indexOf('## To datastores'), page.indexOf('## From the platform'));
    expect(stores).toMatch(/app_api\["api<br\/>Deployment · 2 pods"\] -- "5432\/TCP" --> app_pg|app_api -- "5432\/TCP" --> app_pg/);
  });
});

describe('traffic map of a system behind a Gateway', () => {
  // web: live blue, preview green, a 25% canary on shop.example.com; /api to api.
  const route = (name: string, host: string, rules: any[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: NS },
    spec: { parentRefs: [{ name: 'edge', namespace: 'edge', sectionName: host }], hostnames: [host], rules },
  });
  const objects = [
    workload('Deployment', 'web-blue', 'web', 2, 'blue'), workload('Deployment', 'web-green', 'web', 2, 'green'),
    service('web', 'web', 'blue'), service('web-preview', 'web', 'green'),
    workload('Deployment', 'api', 'api', 1), service('api', 'api'),
    route('web', 'shop.example.com', [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80, weight: 75 }, { name: 'web-preview', port: 80, weight: 25 }] }]),
    route('api', 'shop.example.com', [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', port: 80 }] }]),
  ];
  const dataPlane = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: { [NAME]: 'envoy' } } };
  const policies = [policy('web', [ingressFrom(dataPlane, [8080], 'Gateway data plane')]), policy('api', [ingressFrom(dataPlane, [8000], 'Gateway data plane')])];
  const map = trafficMap({ title: 'test/shop', namespace: NS, objects, policies });
  const diagrams = diagramsOf(map);
  const all = diagrams.flat().map(l => l.trim());

  test('the Gateway, each host, and every backend with its share of the traffic', () => {
    for (const d of diagrams) { expect(malformed(d)).toEqual([]); }
    expect(all).toEqual(expect.arrayContaining([
      'internet(("Internet<br/>Gateway edge/edge"))',
      'internet --> host_shop_example_com',
      'host_shop_example_com -- "75%" --> svc_web',
      'host_shop_example_com -- "25%" --> svc_web_preview',
      'host_shop_example_com -- "/api" --> svc_api',
    ]));
    expect(map).toContain('| Internet (Gateway edge/edge) | Service web-preview | shop.example.com/ | HTTPRoute web (weight 25 of 100: 25%) |');
    expect(map).toContain('| Internet (Gateway edge/edge) | Service api | shop.example.com/api | HTTPRoute api |');
  });

  test('the proxies that reach the pods are drawn from the platform', () => {
    expect(diagrams[diagrams.length - 1].map(l => l.trim())).toEqual(expect.arrayContaining(['ext_envoy_gateway_system_envoy --> app_web', 'ext_envoy_gateway_system_envoy --> app_api']));
  });
});

describe('traffic map size', () => {
  test('the fixture fits the budget; the same system with 40 more clients of its database does not', () => {
    expect(oversizedDiagrams(fixture())).toEqual([]);
    const big = oversizedDiagrams(fixture(40));
    expect(big).toEqual([expect.stringMatching(new RegExp(`^diagram 3 has \\d+ nodes and \\d+ edges \\(at most ${DIAGRAM_BUDGET.nodes} and ${DIAGRAM_BUDGET.edges}\\)$`))]);
  });

  test('diagramSize counts nodes (subgraphs included) and edges', () => {
    expect(diagramSize(['flowchart LR', '  subgraph g [" "]', '    direction LR', '    a["A"]', '  end', '  b[("B")]', '  g --> b', '  style g fill:#fff'])).toEqual({ nodes: 3, edges: 1 });
  });

  test('pod counts and port labels', () => {
    expect([podCount(0), podCount(1), podCount(2)]).toEqual(['0 pods', '1 pod', '2 pods']);
    expect([podRange(1, 1), podRange(2, 10)]).toEqual(['1 pod', '2–10 pods']);
    expect(portLabel([{ port: 6379 }, { port: 5432 }, { port: 53, protocol: 'UDP' }, { port: 5432 }])).toBe('5432, 6379/TCP · 53/UDP');
  });
});

describe('traffic maps of the fleet', () => {
  const readmes = renderApp(buildFleet()).filter(f => f.path.endsWith('/README.md'));

  test.each(readmes.map(f => [f.path, f.content]))('%s: well-formed diagrams within the budget', (_path, content) => {
    const diagrams = diagramsOf(content);
    expect(diagrams.length).toBeGreaterThan(0);
    for (const d of diagrams) { expect(malformed(d)).toEqual([]); }
    expect(oversizedDiagrams(content)).toEqual([]);
    expect(content).not.toMatch(/\b1 pods\b/);
  });
});
