// A stand-in for metrics-server and prometheus-adapter in the simulated cluster.
//
// Nothing runs containers in the simulation (kwok's pods are API objects only), so nothing can be
// measured. Without a metrics API every HPA reports ScalingActive=False with reason
// FailedGetResourceMetric / FailedGetPodsMetric, which Argo CD's health check (gitops-engine)
// reads as Degraded. This module serves the two aggregated APIs the HPA controller reads:
//
//   metrics.k8s.io/v1beta1          PodMetrics / NodeMetrics (what metrics-server serves)
//   custom.metrics.k8s.io/v1beta2   MetricValueList for Pods metrics (what prometheus-adapter
//   custom.metrics.k8s.io/v1beta1   serves); v1beta1 too, for clients that still ask for it
//
// from an HTTPS server on 127.0.0.1, registered with the API server as APIServices behind an
// ExternalName Service (externalName: localhost). The kube-aggregator resolves a Service with
// proxy.ResolveCluster (k8s.io/apiserver/pkg/util/proxy) unless --enable-aggregator-routing is
// set; ResolveCluster turns an ExternalName Service into https://<externalName>:<APIService port>.
// With --enable-aggregator-routing the aggregator uses ResolveEndpoint instead, which rejects
// ExternalName ("unsupported service type"): leave that flag off (control-plane.js does).
//
// The numbers:
//   - a container's usage is `fraction` (default 0.3) of its requests (limits if it has no
//     requests, 10m CPU / 32Mi memory if it has neither), times the load multiplier;
//   - a Pods custom metric is `customValues[metric]` (default "0") per pod, times the multiplier,
//     unless the knob gives it outright.
// The knob is the ConfigMap kube-system/sim-load, read again on every request:
//   <namespace>.<target>          multiplier for CPU and memory, e.g. "3"
//   <namespace>.<target>.cpu      multiplier for CPU only (likewise .memory); wins over the above
//   <namespace>.<target>.<metric> the per-pod value of custom metric <metric>, e.g. "250" or "1500m"
//   <namespace>.*                 multiplier for every pod of the namespace
// where <target>, most specific first, is the pod's name, its Deployment (the ReplicaSet owner
// without its pod-template-hash), or other controller owner (StatefulSet, Job…), or its
// app.kubernetes.io/instance label, or its app.kubernetes.io/name label.
//
// Pods in phase Pending count (their requests are in the spec; the HPA treats Pending pods as
// unready anyway), pods that finished (Succeeded/Failed) or are being deleted do not.
// The server does not authenticate its callers (the aggregator sends no client certificate
// unless --proxy-client-cert-file is set): it listens on 127.0.0.1 only and serves made-up numbers.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const https = require('https');
const path = require('path');

const sleep = ms => new Promise(r => setTimeout(r, ms));

const METRICS_GROUP = 'metrics.k8s.io';
const CUSTOM_GROUP = 'custom.metrics.k8s.io';
const LOAD_CONFIGMAP = { namespace: 'kube-system', name: 'sim-load' };
/** Pods metrics the fleet's HPAs use; the discovery document lists these and every one an HPA names. */
const KNOWN_CUSTOM_METRICS = ['http_requests_per_second', 'websocket_active_connections', 'graph_operations_per_second'];

// ---------------------------------------------------------------- quantities

const SUFFIX = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("250m", "1.5", "256Mi", "1e3", 2) as a number; undefined if it is not one. */
function parseQuantity(q) {
  if (typeof q === 'number') { return Number.isFinite(q) ? q : undefined; }
  if (typeof q !== 'string') { return undefined; }
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) { return undefined; }
  const value = Number(m[1] + (m[2] || ''));
  return value * SUFFIX[m[3] || ''];
}

/** CPU cores as metrics-server writes them: whole nanocores. */
const formatCpu = cores => `${Math.max(0, Math.round(cores * 1e9))}n`;
/** Bytes as metrics-server writes them: whole kibibytes. */
const formatMemory = bytes => `${Math.max(0, Math.round(bytes / 1024))}Ki`;
/** A plain value: an integer, or milli-units when it has a fraction (as prometheus-adapter writes). */
function formatValue(v) {
  if (!Number.isFinite(v)) { return '0'; }
  return Number.isInteger(v) ? String(v) : `${Math.round(v * 1000)}m`;
}

// ---------------------------------------------------------------- API server client

/** Credentials from `kubectl config view --minify --raw --flatten` (token or client certificate). */
async function credentialsFromKubectl(kubectl) {
  const res = await kubectl(['config', 'view', '--minify', '--raw', '--flatten', '-o', 'json']);
  if (res.code !== 0) { throw new Error(`kubectl config view failed: ${res.err || res.out}`); }
  const config = JSON.parse(res.out);
  const cluster = config.clusters?.[0]?.cluster ?? {};
  const user = config.users?.[0]?.user ?? {};
  const b64 = s => (s ? Buffer.from(s, 'base64') : undefined);
  return {
    server: cluster.server,
    token: user.token,
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
    ca: cluster['insecure-skip-tls-verify'] ? undefined : b64(cluster['certificate-authority-data']),
  };
}

function apiClient({ server, token, cert, key, ca }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16, cert, key, ca, rejectUnauthorized: Boolean(ca) });
  const base = new URL(server);
  function request(method, urlPath, body, contentType = 'application/json') {
    return new Promise(resolve => {
      const headers = { Accept: 'application/json' };
      if (token) { headers.Authorization = `Bearer ${token}`; }
      const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      if (data) { headers['Content-Type'] = contentType; headers['Content-Length'] = data.length; }
      const req = https.request({
        protocol: base.protocol, hostname: base.hostname, port: base.port,
        path: urlPath, method, headers, agent, timeout: 10_000,
      }, res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => { text += d; });
        res.on('end', () => {
          let json;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, json, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', e => resolve({ status: 0, text: e.message }));
      if (data) { req.write(data); }
      req.end();
    });
  }
  return { request, get: p => request('GET', p), close: () => agent.destroy() };
}

// ---------------------------------------------------------------- the numbers

/** Names a sim-load key may use for this pod, most specific first. */
function targetsOf(pod) {
  const md = pod.metadata ?? {};
  const labels = md.labels ?? {};
  const names = [md.name];
  for (const owner of md.ownerReferences ?? []) {
    if (owner.kind === 'ReplicaSet') {
      const hash = labels['pod-template-hash'];
      const deployment = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name.replace(/-[a-z0-9]{5,10}$/, '');
      names.push(deployment, owner.name);
    } else {
      names.push(owner.name);
    }
  }
  names.push(labels['app.kubernetes.io/instance'], labels['app.kubernetes.io/name']);
  return [...new Set(names.filter(Boolean))];
}

/** The knob's value for `suffix` ('' | '.cpu' | '.memory' | '.<metric>') of a pod, or undefined. */
function knob(load, pod, suffix) {
  const ns = pod.metadata.namespace;
  for (const target of targetsOf(pod)) {
    const v = load[`${ns}.${target}${suffix}`];
    if (v !== undefined) { return v; }
  }
  return load[`${ns}.*${suffix}`];
}

function multiplier(load, pod, resource) {
  for (const suffix of resource ? [`.${resource}`, ''] : ['']) {
    const v = parseQuantity(knob(load, pod, suffix));
    if (v !== undefined && v >= 0) { return v; }
  }
  return 1;
}

const FALLBACK = { cpu: 0.01, memory: 32 * 2 ** 20 };

function containerUsage(container, resource, fraction, factor) {
  const r = container.resources ?? {};
  const base = parseQuantity(r.requests?.[resource]) ?? parseQuantity(r.limits?.[resource]);
  return base === undefined ? FALLBACK[resource] * factor : base * fraction * factor;
}

const counts = pod => !pod.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(pod.status?.phase);

// ---------------------------------------------------------------- the server

/**
 * Starts the stand-in and registers it with the API server.
 *
 * options:
 *   kubectl(args) → Promise<{code,out,err}>  kubectl against the sim cluster (registration; and
 *                                    the credentials, unless server/token are given)
 *   workDir                          certificate, registration manifest and log go here
 *   server, token                    the API server and a bearer token (else from kubectl's kubeconfig)
 *   fraction = 0.3                   usage as a fraction of requests
 *   customValues = {}                per-pod base value of custom metrics by name (default "0")
 *   windowSeconds = 5                the measurement window reported with each sample
 *   customV1beta1 = true             also register custom.metrics.k8s.io/v1beta1
 *   timeoutMs = 60000                how long to wait for the APIServices to be Available
 *
 * Returns { port, url, apiServices, stats, stop() }; stop() closes the server and deletes the
 * APIServices and the Service (so that the API server's discovery does not keep reporting an
 * unavailable group).
 */
async function startMetricsApis(options) {
  const {
    kubectl, workDir, fraction = 0.3, customValues = {}, windowSeconds = 5, customV1beta1 = true,
    timeoutMs = 60_000, serviceName = 'sim-metrics-apis', serviceNamespace = 'kube-system',
  } = options;
  if (!workDir) { throw new Error('startMetricsApis: workDir is required'); }
  fs.mkdirSync(workDir, { recursive: true });
  const logFile = path.join(workDir, 'metrics-apis.log');
  const log = line => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

  const creds = options.server
    ? { server: options.server, token: options.token, cert: options.cert, key: options.key, ca: options.ca }
    : await credentialsFromKubectl(kubectl);
  const api = apiClient(creds);

  const { cert, key } = selfSignedCertificate(workDir);
  const stats = { requests: 0, byPath: {} };

  async function readLoad() {
    const res = await api.get(`/api/v1/namespaces/${LOAD_CONFIGMAP.namespace}/configmaps/${LOAD_CONFIGMAP.name}`);
    return res.status === 200 ? res.json.data ?? {} : {};
  }

  async function listPods(ns, query) {
    const q = new URLSearchParams();
    if (query.get('labelSelector')) { q.set('labelSelector', query.get('labelSelector')); }
    if (query.get('fieldSelector')) { q.set('fieldSelector', query.get('fieldSelector')); }
    const where = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/pods` : '/api/v1/pods';
    const qs = q.toString();
    const res = await api.get(`${where}${qs ? `?${qs}` : ''}`);
    if (res.status !== 200) { throw statusError(res.status || 503, res.json?.message || res.text); }
    return res.json.items.filter(counts);
  }

  async function getPod(ns, name) {
    const res = await api.get(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`);
    if (res.status === 404) { throw statusError(404, `pods.metrics.k8s.io "${name}" not found`, 'NotFound'); }
    if (res.status !== 200) { throw statusError(res.status || 503, res.json?.message || res.text); }
    if (!counts(res.json)) { throw statusError(404, `pods.metrics.k8s.io "${name}" not found`, 'NotFound'); }
    return res.json;
  }

  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

  function podUsage(pod, load) {
    const cpu = multiplier(load, pod, 'cpu');
    const memory = multiplier(load, pod, 'memory');
    return (pod.spec.containers ?? []).map(c => ({
      name: c.name,
      cpu: containerUsage(c, 'cpu', fraction, cpu),
      memory: containerUsage(c, 'memory', fraction, memory),
    }));
  }

  function podMetrics(pod, load) {
    return {
      metadata: {
        name: pod.metadata.name, namespace: pod.metadata.namespace,
        labels: pod.metadata.labels ?? {}, creationTimestamp: now(),
      },
      timestamp: now(),
      window: `${windowSeconds}s`,
      containers: podUsage(pod, load).map(u => ({ name: u.name, usage: { cpu: formatCpu(u.cpu), memory: formatMemory(u.memory) } })),
    };
  }

  async function nodeMetrics(nodes, load) {
    const pods = (await listPods(undefined, new URLSearchParams())).filter(p => p.spec.nodeName);
    return nodes.map(node => {
      let cpu = 0; let memory = 0;
      for (const pod of pods.filter(p => p.spec.nodeName === node.metadata.name)) {
        for (const u of podUsage(pod, load)) { cpu += u.cpu; memory += u.memory; }
      }
      return {
        metadata: { name: node.metadata.name, labels: node.metadata.labels ?? {}, creationTimestamp: now() },
        timestamp: now(), window: `${windowSeconds}s`,
        usage: { cpu: formatCpu(cpu), memory: formatMemory(memory) },
      };
    });
  }

  function customValue(pod, metric, load) {
    const given = parseQuantity(knob(load, pod, `.${metric}`));
    if (given !== undefined) { return given; }
    const base = parseQuantity(customValues[metric] ?? '0') ?? 0;
    return base * multiplier(load, pod);
  }

  function metricValue(version, pod, metric, load) {
    const item = {
      describedObject: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, apiVersion: '/v1' },
      timestamp: now(),
      value: formatValue(customValue(pod, metric, load)),
    };
    return version === 'v1beta2'
      ? { describedObject: item.describedObject, metric: { name: metric }, timestamp: item.timestamp, windowSeconds, value: item.value }
      : { describedObject: item.describedObject, metricName: metric, timestamp: item.timestamp, window: windowSeconds, value: item.value, selector: null };
  }

  async function customMetricNames() {
    const names = new Set([...KNOWN_CUSTOM_METRICS, ...Object.keys(customValues)]);
    const res = await api.get('/apis/autoscaling/v2/horizontalpodautoscalers');
    for (const hpa of res.status === 200 ? res.json.items : []) {
      for (const m of hpa.spec?.metrics ?? []) {
        if (m.type === 'Pods' && m.pods?.metric?.name) { names.add(m.pods.metric.name); }
      }
    }
    return [...names].sort();
  }

  // -------------------------------------------------------------- routes

  const groupVersions = {
    [METRICS_GROUP]: ['v1beta1'],
    [CUSTOM_GROUP]: customV1beta1 ? ['v1beta2', 'v1beta1'] : ['v1beta2'],
  };
  const apiGroup = group => ({
    kind: 'APIGroup', apiVersion: 'v1', name: group,
    versions: groupVersions[group].map(v => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${groupVersions[group][0]}`, version: groupVersions[group][0] },
  });

  async function route(method, url) {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    if (['/healthz', '/readyz', '/livez'].some(h => p === h || p.startsWith(`${h}/`))) { return { text: 'ok' }; }
    if (method !== 'GET') { throw statusError(405, `${method} is not supported`, 'MethodNotAllowed'); }
    if (p === '/openapi/v2') {
      return { json: { swagger: '2.0', info: { title: 'sim-metrics-apis', version: 'v0' }, paths: {}, definitions: {} } };
    }
    if (p === '/openapi/v3') {
      const paths = {};
      for (const [g, vs] of Object.entries(groupVersions)) {
        for (const v of vs) { paths[`apis/${g}/${v}`] = { serverRelativeURL: `/openapi/v3/apis/${g}/${v}?hash=0` }; }
      }
      return { json: { paths } };
    }
    if (p.startsWith('/openapi/v3/apis/')) {
      return { json: { openapi: '3.0.0', info: { title: 'sim-metrics-apis', version: 'v0' }, paths: {}, components: { schemas: {} } } };
    }
    if (p === '/apis') {
      // Plain JSON, not the aggregated discovery type: the aggregator then falls back to
      // /apis/<group>/<version> for each APIService, which is what is served below.
      return { json: { kind: 'APIGroupList', apiVersion: 'v1', groups: Object.keys(groupVersions).map(apiGroup) } };
    }
    const parts = p.split('/').slice(1).map(decodeURIComponent); // apis, group, version, …
    if (parts[0] !== 'apis' || !groupVersions[parts[1]]) { throw statusError(404, `the server could not find the requested resource`, 'NotFound'); }
    const [, group, version, ...rest] = parts;
    if (!version) { return { json: apiGroup(group) }; }
    if (!groupVersions[group].includes(version)) { throw statusError(404, `${group}/${version} is not served`, 'NotFound'); }
    const load = await readLoad();

    if (group === METRICS_GROUP) {
      if (rest.length === 0) {
        return {
          json: {
            kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`,
            resources: [
              { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
              { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
            ],
          },
        };
      }
      const typeMeta = kind => ({ kind, apiVersion: `${group}/${version}` });
      let ns; let resource; let name;
      if (rest[0] === 'namespaces' && rest.length >= 3) { [, ns, resource, name] = rest; } else { [resource, name] = rest; }
      if (resource === 'pods' && (rest[0] === 'namespaces' ? rest.length <= 4 : rest.length <= 2)) {
        if (name) { return { json: { ...typeMeta('PodMetrics'), ...podMetrics(await getPod(ns, name), load) } }; }
        const items = (await listPods(ns, q)).map(pod => podMetrics(pod, load));
        return { json: { ...typeMeta('PodMetricsList'), metadata: {}, items } };
      }
      if (resource === 'nodes' && !ns && rest.length <= 2) {
        if (name) {
          const res = await api.get(`/api/v1/nodes/${encodeURIComponent(name)}`);
          if (res.status !== 200) { throw statusError(res.status || 503, res.json?.message || res.text, res.status === 404 ? 'NotFound' : undefined); }
          return { json: { ...typeMeta('NodeMetrics'), ...(await nodeMetrics([res.json], load))[0] } };
        }
        const lq = q.get('labelSelector') ? `?labelSelector=${encodeURIComponent(q.get('labelSelector'))}` : '';
        const res = await api.get(`/api/v1/nodes${lq}`);
        if (res.status !== 200) { throw statusError(res.status || 503, res.json?.message || res.text); }
        return { json: { ...typeMeta('NodeMetricsList'), metadata: {}, items: await nodeMetrics(res.json.items, load) } };
      }
      throw statusError(404, `the server could not find the requested resource`, 'NotFound');
    }

    // custom.metrics.k8s.io
    if (rest.length === 0) {
      const resources = (await customMetricNames()).map(m => ({
        name: `pods/${m}`, singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'],
      }));
      return { json: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources } };
    }
    // namespaces/{ns}/pods/{name|*}/{metric}
    if (rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length === 5) {
      const [, ns, , name, metric] = rest;
      const pods = name === '*' ? await listPods(ns, q) : [await getPod(ns, name)];
      return {
        json: {
          kind: 'MetricValueList', apiVersion: `${group}/${version}`, metadata: {},
          items: pods.map(pod => metricValue(version, pod, metric, load)),
        },
      };
    }
    throw statusError(404, `only Pods metrics (namespaces/<ns>/pods/<name|*>/<metric>) are simulated`, 'NotFound');
  }

  const server = https.createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url, 'https://localhost');
    stats.requests += 1;
    const kind = url.pathname.split('/').slice(0, 5).join('/');
    stats.byPath[kind] = (stats.byPath[kind] ?? 0) + 1;
    route(req.method, url).then(answer => {
      if (answer.text !== undefined) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(answer.text);
      } else {
        const body = JSON.stringify(answer.json);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      }
    }, err => {
      const code = err.code ?? 500;
      if (code >= 500) { log(`${req.method} ${req.url} → ${code} ${err.message}`); }
      const body = JSON.stringify({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: err.message, reason: err.reason ?? (code === 404 ? 'NotFound' : 'InternalError'), code,
      });
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  log(`listening on https://127.0.0.1:${port}`);

  // -------------------------------------------------------------- registration

  const apiServices = [
    { group: METRICS_GROUP, version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 },
    { group: CUSTOM_GROUP, version: 'v1beta2', groupPriorityMinimum: 100, versionPriority: 200 },
    ...(customV1beta1 ? [{ group: CUSTOM_GROUP, version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 }] : []),
  ].map(s => ({ ...s, name: `${s.version}.${s.group}` }));

  async function unregister() {
    for (const s of apiServices) { await api.request('DELETE', `/apis/apiregistration.k8s.io/v1/apiservices/${s.name}`); }
    await api.request('DELETE', `/api/v1/namespaces/${serviceNamespace}/services/${serviceName}`);
  }

  async function stop() {
    if (stop.done) { return; }
    stop.done = true;
    try { await unregister(); } catch { /* the cluster may be gone already */ }
    server.closeAllConnections?.();
    await new Promise(resolve => server.close(() => resolve()));
    api.close();
  }

  try {
    const manifest = {
      apiVersion: 'v1', kind: 'List',
      items: [
        {
          apiVersion: 'v1', kind: 'Service',
          metadata: { name: serviceName, namespace: serviceNamespace, labels: { 'app.kubernetes.io/name': serviceName } },
          // The aggregator dials https://<externalName>:<APIService port>: the stand-in on loopback.
          spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port, protocol: 'TCP', targetPort: port }] },
        },
        ...apiServices.map(s => ({
          apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService',
          metadata: { name: s.name, labels: { 'app.kubernetes.io/name': serviceName } },
          spec: {
            group: s.group, version: s.version,
            service: { name: serviceName, namespace: serviceNamespace, port },
            insecureSkipTLSVerify: true,
            groupPriorityMinimum: s.groupPriorityMinimum, versionPriority: s.versionPriority,
          },
        })),
      ],
    };
    const file = path.join(workDir, 'metrics-apis.json');
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager', 'sim-metrics-apis', '-f', file]);
    if (applied.code !== 0) { throw new Error(`registering the metrics APIs failed: ${applied.err || applied.out}`); }

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const conditions = await Promise.all(apiServices.map(async s => {
        const res = await api.get(`/apis/apiregistration.k8s.io/v1/apiservices/${s.name}`);
        const c = res.json?.status?.conditions?.find(x => x.type === 'Available');
        return { name: s.name, ok: c?.status === 'True', why: c ? `${c.reason}: ${c.message ?? ''}` : `no condition yet (${res.status})` };
      }));
      if (conditions.every(c => c.ok)) { break; }
      if (Date.now() > deadline) {
        throw new Error(`the metrics APIServices were not Available after ${timeoutMs / 1000} s:\n${
          conditions.filter(c => !c.ok).map(c => `  ${c.name}: ${c.why}`).join('\n')}`);
      }
      await sleep(250);
    }
    log(`registered ${apiServices.map(s => s.name).join(', ')}`);
  } catch (err) {
    await stop();
    throw err;
  }

  return { port, url: `https://127.0.0.1:${port}`, apiServices: apiServices.map(s => s.name), stats, stop, logFile };
}

function statusError(code, message, reason) {
  const err = new Error(message);
  err.code = code;
  err.reason = reason;
  return err;
}

/** A throw-away serving pair for localhost / 127.0.0.1 made by openssl (Debian's). */
function selfSignedCertificate(workDir) {
  const dir = path.join(workDir, 'metrics-apis-tls');
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`openssl could not make the stand-in's certificate (apt-get install openssl): ${err.stderr || err.message}`);
    }
  }
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}

module.exports = { startMetricsApis, parseQuantity, targetsOf, LOAD_CONFIGMAP };
