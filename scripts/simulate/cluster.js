// The simulated cluster: the real etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler (scripts/verify/control-plane.js with `controllers: true`), fake nodes and pod
// lifecycles from kwok (scripts/simulate/kwok-stages.yaml), a WaitForFirstConsumer default
// StorageClass with a provisioner stand-in and an HPA stand-in (scripts/simulate/stand-ins.js),
// and Argo CD's sync engine (tools/gitops-sync) to sync a folder. Everything on 127.0.0.1.
//
//   const sim = await startSimCluster({ bin, workDir, version: '1.37' });
//   await sim.kubectl(['apply', '-f', file]);          // → { code, out, err }
//   const r = await sim.sync({ dir, namespace, name }); // gitops-sync's JSON (+ exitCode)
//   const w = sim.watchEndpoints({ namespace, services: ['web'] }); ... const samples = await w.stop();
//   await sim.stop();
'use strict';
const fs = require('fs');
const path = require('path');
const { startControlPlane, start, stop, run, freePort, tail, sleep } = require('../verify/control-plane');
const { client } = require('./api');
const { startStandIns, PROVISIONER, STORAGE_CLASS } = require('./stand-ins');
const { startMetricsApis } = require('./metrics-apis');

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

function nodeObject(name, zone, allocatable) {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': zone, 'topology.kubernetes.io/region': 'sim',
        'node.kubernetes.io/instance-type': 'kwok', type: 'kwok',
      },
    },
    spec: {},
    status: { allocatable, capacity: allocatable, phase: 'Running' },
  };
}

/**
 * Starts the simulated cluster. Options:
 *   bin        the tools folder (tools/build.sh's output)
 *   workDir    scratch folder (logs, kubeconfigs, etcd data); created
 *   version    '1.37' (the only one with controllers built)
 *   nodes      number of fake nodes (6), spread over 3 zones
 *   allocatable per node ({ cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '500Gi' })
 *   podReadyMs, podReadyJitterMs  how long a scheduled pod takes to be Running+Ready (500, 500)
 *   jobMs      how long a Job's pod runs before it succeeds or fails (1000)
 * Resolves once every node is Ready and schedulable and the default service account exists.
 */
async function startSimCluster({
  bin, workDir, version = '1.37', nodes = 6,
  allocatable = { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '500Gi' },
  podReadyMs = 500, podReadyJitterMs = 500, jobMs = 1000, realAutoscaler = true,
} = {}) {
  const t0 = Date.now();
  const timings = {};
  fs.mkdirSync(workDir, { recursive: true });
  const cp = await startControlPlane({
    bin, version, workDir, controllers: true,
    controllerArgs: realAutoscaler ? [
      // The real HPA controller, fed by the metrics-API stand-in (scripts/simulate/metrics-apis.js),
      // every 5 s (Kubernetes' default is 15 s; shorter keeps the scenarios quick) and, as before
      // 1.37 (the fleet targets 1.27), acting on a changed spec only at its next period, not at
      // once (feature gate HPAGeneration).
      // The serving-certificate trust bundle publisher rejects the API server's self-signed
      // (non-CA) certificate.
      '--controllers=*,-kube-apiserver-serving-clustertrustbundle-publisher-controller',
      '--horizontal-pod-autoscaler-sync-period=5s',
      '--feature-gates=HPAGeneration=false',
    ] : [
      // The HPA stand-in of scripts/simulate/stand-ins.js instead of the controller.
      '--controllers=-horizontal-pod-autoscaler-controller,-kube-apiserver-serving-clustertrustbundle-publisher-controller',
    ],
  });
  timings.controlPlaneMs = Date.now() - t0;
  const api = client(cp.server, cp.token);
  const kubectlBin = path.join(bin, `kubectl-${version}`);
  const kubectl = args => run(kubectlBin, ['--kubeconfig', cp.kubeconfig, ...args]);
  const children = [];
  let standIns;
  let metrics;
  const stopEverything = async () => {
    if (metrics) { await metrics.stop().catch(() => undefined); metrics = undefined; }
    if (standIns) { await standIns.stop(); standIns = undefined; }
    for (const child of children.splice(0)) { await stop(child); }
    await cp.stop();
  };

  try {
    // kwok: only the nodes annotated kwok.x-k8s.io/node=fake; pod IPs from a /16.
    const stages = fs.readFileSync(path.join(__dirname, 'kwok-stages.yaml'), 'utf8')
      .replaceAll('__SIM_READY_MS__', String(podReadyMs))
      .replaceAll('__SIM_READY_JITTER_MS__', String(podReadyJitterMs))
      .replaceAll('__SIM_JOB_MS__', String(jobMs));
    const kwokConfig = path.join(workDir, 'kwok.yaml');
    fs.writeFileSync(kwokConfig, stages);
    const kwokLog = path.join(workDir, 'kwok.log');
    cp.logs.kwok = kwokLog;
    const kwok = start(path.join(bin, 'kwok'), [
      `--config=${kwokConfig}`, `--kubeconfig=${cp.kubeconfig}`,
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--cidr=10.244.0.1/16', '--node-ip=10.0.0.1', '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${await freePort()}`,
    ], kwokLog);
    children.push(kwok);

    // Nodes, the StorageClass and the stand-ins while kwok starts.
    for (let i = 0; i < nodes; i++) {
      const zone = ZONES[i % ZONES.length];
      const res = await api('POST', '/api/v1/nodes', nodeObject(`sim-${zone}-${Math.floor(i / ZONES.length) + 1}`, zone, allocatable));
      if (res.status !== 201) { throw new Error(`creating node: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`); }
    }
    const sc = await api('POST', '/apis/storage.k8s.io/v1/storageclasses', {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: PROVISIONER, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', allowVolumeExpansion: true,
    });
    if (sc.status !== 201) { throw new Error(`creating StorageClass: ${sc.status} ${JSON.stringify(sc.body).slice(0, 300)}`); }
    standIns = startStandIns(api, { hpa: !realAutoscaler });

    // Ready: every node Ready without the not-ready taint, and the default service account
    // (pods of a new namespace wait for theirs the same way).
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!children.every(c => c.exitCode === null && c.signalCode === null)) {
        throw new Error(`kwok exited at start:\n${tail(kwokLog)}`);
      }
      const list = await api('GET', '/api/v1/nodes');
      const ready = list.status === 200 && list.body.items.filter(n =>
        (n.status.conditions || []).some(c => c.type === 'Ready' && c.status === 'True')
        && !(n.spec.taints || []).some(t => t.key.startsWith('node.kubernetes.io/'))).length;
      const sa = await api('GET', '/api/v1/namespaces/default/serviceaccounts/default');
      if (ready === nodes && sa.status === 200) { break; }
      if (Date.now() > deadline) {
        throw new Error(`simulated cluster not ready after 60 s (${ready}/${nodes} nodes ready, default service account ${sa.status}):\n${tail(kwokLog)}\n${tail(cp.logs.controllerManager)}`);
      }
      await sleep(200);
    }
    if (realAutoscaler) {
      // Before any HPA exists: an HPA that finds no metrics API reads as Degraded to Argo CD.
      metrics = await startMetricsApis({ kubectl, workDir, server: cp.server, token: cp.token });
    }
    timings.readyMs = Date.now() - t0;
  } catch (e) {
    await stopEverything();
    throw e;
  }

  /**
   * One sync of `dir` by Argo CD's engine (tools/gitops-sync). Resolves to its JSON document
   * plus { exitCode, stderr } (stderr's last 40 lines); never rejects for a failed sync.
   * `healthLua`: a JSON file of Argo CD Lua health checks by "<group>_<Kind>". `retryLimit`, `retryBackoffSeconds`:
   * the Application's syncPolicy.retry (a failed operation is started again, the wait doubling).
   */
  async function sync({ dir, namespace, name = path.basename(dir), prune = false, pruneLast = false, timeoutSeconds = 300, waveDelaySeconds = 2, settleSeconds = 0, verbosity = 0, healthLua, retryLimit = 0, retryBackoffSeconds = 10 }) {
    const args = ['--kubeconfig', cp.kubeconfig, '--dir', dir, '--namespace', namespace, '--name', name,
      `--timeout=${timeoutSeconds}s`, `--wave-delay=${waveDelaySeconds * 1000}ms`, `--settle=${settleSeconds * 1000}ms`, `--v=${verbosity}`];
    if (prune) { args.push('--prune'); }
    if (pruneLast) { args.push('--prune-last'); }
    if (healthLua) { args.push('--health-lua', healthLua); } // Argo CD's health customizations (argocd-cm)
    if (retryLimit) { args.push(`--retry-limit=${retryLimit}`, `--retry-backoff=${retryBackoffSeconds * 1000}ms`); }
    const started = Date.now();
    const res = await run(path.join(bin, 'gitops-sync'), args);
    const stderr = res.err.trim().split('\n').slice(-40).join('\n');
    let doc;
    try { doc = JSON.parse(res.out); } catch {
      doc = { phase: 'Error', message: `gitops-sync printed no result (exit ${res.code}): ${stderr}`, durationSeconds: (Date.now() - started) / 1000, resources: [] };
    }
    return { ...doc, startedAt: started, exitCode: res.code, stderr };
  }

  /**
   * Samples the ready endpoints of `services` in `namespace` every `intervalMs` (EndpointSlices,
   * conditions.ready; a pod's color from its `color` label, found by the endpoint's targetRef).
   * Returns { stop() → Promise<samples> }, samples [{ t (epoch ms), service, ready: [pod…],
   * colors: { blue: n, green: n, … } }], one per service per tick.
   */
  function watchEndpoints({ namespace, services, intervalMs = 200 }) {
    const samples = [];
    let stopped = false;
    const selector = encodeURIComponent(`kubernetes.io/service-name in (${services.join(',')})`);
    const loop = (async () => {
      while (!stopped) {
        const tick = Date.now();
        const [slices, pods] = await Promise.all([
          api('GET', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${selector}`),
          api('GET', `/api/v1/namespaces/${namespace}/pods`),
        ]);
        if (slices.status === 200 && pods.status === 200) {
          const colorOf = new Map(pods.body.items.map(p => [p.metadata.name, p.metadata.labels?.color]));
          for (const service of services) {
            const ready = new Set();
            for (const slice of slices.body.items) {
              if (slice.metadata.labels?.['kubernetes.io/service-name'] !== service) { continue; }
              for (const ep of slice.endpoints || []) {
                if (ep.conditions?.ready && ep.targetRef?.kind === 'Pod') { ready.add(ep.targetRef.name); }
              }
            }
            const colors = {};
            for (const pod of ready) {
              const color = colorOf.get(pod) ?? 'none';
              colors[color] = (colors[color] || 0) + 1;
            }
            samples.push({ t: tick, service, ready: [...ready].sort(), colors });
          }
        }
        await sleep(Math.max(0, intervalMs - (Date.now() - tick)));
      }
    })();
    return { async stop() { stopped = true; await loop; return samples; } };
  }

  return {
    kubeconfig: cp.kubeconfig, server: cp.server, token: cp.token, logs: cp.logs, timings,
    api, kubectl, sync, watchEndpoints,
    standInErrors: () => [...(standIns?.errors || [])],
    stop: stopEverything,
  };
}

module.exports = { startSimCluster, run };
