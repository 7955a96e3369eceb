#!/usr/bin/env node
// Self-test of the metrics stand-in (metrics-apis.js): a throw-away control plane (etcd and
// kube-apiserver 1.37 only; no controllers are needed to serve the APIs), a namespace with two
// Pod objects (they stay Pending; their requests are in the spec), the stand-in registered as
// APIServices, then both metrics APIs read through the API server's aggregator with
// `kubectl get --raw`, before and after the sim-load knob is turned.
//
//   node scripts/simulate/metrics-selftest.js [--keep]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startControlPlane, stopAll, run } = require('../verify/control-plane');
const { startMetricsApis } = require('./metrics-apis');

const VERSION = '1.37';
// This checkout's tools (tools/build.sh builds what is missing and prints their folder).
const bin = execFileSync(path.join(__dirname, '..', '..', 'tools', 'build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const keep = process.argv.includes('--keep');

const failures = [];
function check(what, actual, expected) {
  const ok = actual === expected;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}: ${actual}${ok ? '' : ` (expected ${expected})`}`);
  if (!ok) { failures.push(what); }
}

const pod = (name, labels, owner, containers, nodeName) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'demo', labels, ...(owner ? { ownerReferences: [owner] } : {}) },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    containers: containers.map(([cname, cpu, memory]) => ({
      name: cname, image: 'registry.example/app:1.0', resources: { requests: { cpu, memory } },
    })),
  },
});

async function main() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-selftest-'));
  const started = Date.now();
  const cp = await startControlPlane({ bin, version: VERSION, workDir });
  console.log(`control plane: kube-apiserver ${VERSION} at ${cp.server} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const kubectlBin = path.join(bin, `kubectl-${VERSION}`);
  const kubectl = (args, input) => run(kubectlBin, ['--kubeconfig', cp.kubeconfig, '--cache-dir', path.join(workDir, 'kubectl-cache'), ...args], { input });
  const must = async (args, input) => {
    const res = await kubectl(args, input);
    if (res.code !== 0) { throw new Error(`kubectl ${args.join(' ')}: ${res.err || res.out}`); }
    return res.out;
  };
  const raw = async p => JSON.parse(await must(['get', '--raw', p]));
  let metrics;
  try {
    await must(['create', 'namespace', 'demo']);
    // No controller-manager here to make the namespace's default ServiceAccount, which admission wants.
    await must(['create', 'serviceaccount', 'default', '-n', 'demo']);
    const objects = {
      apiVersion: 'v1', kind: 'List', items: [
        // As a Deployment's pod: owned by ReplicaSet web-5f7d8c9b4 (which does not exist; no
        // controller runs here), so the knob key demo.web names it.
        pod('web-5f7d8c9b4-x2k8q',
          { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web', 'pod-template-hash': '5f7d8c9b4' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5f7d8c9b4', uid: '00000000-0000-0000-0000-000000000001', controller: true },
          [['app', '200m', '256Mi'], ['proxy', '50m', '64Mi']]),
        // Bound to a Node object (no kubelet behind it): node metrics sum the pods on a node.
        pod('worker-0', { 'app.kubernetes.io/instance': 'worker' }, undefined, [['worker', '1', '1Gi']], 'sim-node-1'),
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node-1', labels: { 'kubernetes.io/hostname': 'sim-node-1' } } },
      ],
    };
    await must(['apply', '-f', '-'], JSON.stringify(objects));
    console.log('pods: demo/web-5f7d8c9b4-x2k8q (app 200m/256Mi, proxy 50m/64Mi), demo/worker-0 (worker 1/1Gi, on Node sim-node-1); both Pending');

    const t0 = Date.now();
    metrics = await startMetricsApis({ kubectl, workDir });
    console.log(`stand-in: ${metrics.url}, ${metrics.apiServices.join(', ')} Available (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(await must(['get', 'apiservices', ...metrics.apiServices]));

    const podsPath = `/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/instance=web')}`;
    const customPath = '/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/http_requests_per_second';
    const show = async () => {
      console.log(`$ kubectl get --raw '${podsPath}'`);
      const list = await raw(podsPath);
      console.log(JSON.stringify(list, null, 2));
      console.log(`$ kubectl get --raw '${customPath}'`);
      const custom = await raw(customPath);
      console.log(JSON.stringify(custom, null, 2));
      return { list, custom };
    };
    const usage = (list, podName, container) => list.items.find(i => i.metadata.name === podName)?.containers.find(c => c.name === container)?.usage;

    console.log('\n== default load: usage is 30 % of requests, custom metrics 0');
    const before = await show();
    check('labelSelector keeps only the web pod', before.list.items.map(i => i.metadata.name).join(','), 'web-5f7d8c9b4-x2k8q');
    check('web/app cpu (30 % of 200m)', usage(before.list, 'web-5f7d8c9b4-x2k8q', 'app').cpu, '60000000n');
    check('web/app memory (30 % of 256Mi)', usage(before.list, 'web-5f7d8c9b4-x2k8q', 'app').memory, `${Math.round(0.3 * 256 * 1024)}Ki`);
    check('custom metric items', before.custom.items.length, 2);
    check('custom metric value', before.custom.items[0].value, '0');
    const single = await raw('/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/worker-0');
    check('single pod worker-0 cpu (30 % of 1)', single.containers[0].usage.cpu, '300000000n');
    const v1beta1 = await raw('/apis/custom.metrics.k8s.io/v1beta1/namespaces/demo/pods/worker-0/websocket_active_connections');
    check('custom.metrics.k8s.io/v1beta1 metricName', v1beta1.items[0]?.metricName, 'websocket_active_connections');
    const discovery = await raw('/apis/metrics.k8s.io/v1beta1');
    check('metrics.k8s.io discovery', discovery.resources.map(r => r.name).sort().join(','), 'nodes,pods');
    const nodes = await raw('/apis/metrics.k8s.io/v1beta1/nodes');
    check('node sim-node-1 cpu (the pods bound to it)', nodes.items.find(n => n.metadata.name === 'sim-node-1')?.usage.cpu, '300000000n');
    const top = await kubectl(['top', 'pod', '-n', 'demo', '--containers']);
    console.log(`$ kubectl top pod -n demo --containers\n${top.out}${top.err}`);

    console.log('== sim-load: demo.web=3, demo.web.http_requests_per_second=250, demo.worker.memory=2');
    await must(['create', 'configmap', 'sim-load', '-n', 'kube-system',
      '--from-literal=demo.web=3', '--from-literal=demo.web.http_requests_per_second=250', '--from-literal=demo.worker.memory=2']);
    const after = await show();
    check('web/app cpu (3 × 60m)', usage(after.list, 'web-5f7d8c9b4-x2k8q', 'app').cpu, '180000000n');
    check('web/proxy memory (3 × 30 % of 64Mi)', usage(after.list, 'web-5f7d8c9b4-x2k8q', 'proxy').memory, `${Math.round(3 * 0.3 * 64 * 1024)}Ki`);
    const byPod = Object.fromEntries(after.custom.items.map(i => [i.describedObject.name, i.value]));
    check('web http_requests_per_second', byPod['web-5f7d8c9b4-x2k8q'], '250');
    check('worker http_requests_per_second', byPod['worker-0'], '0');
    const worker = await raw('/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/worker-0');
    check('worker cpu unchanged', worker.containers[0].usage.cpu, '300000000n');
    check('worker memory (2 × 30 % of 1Gi)', worker.containers[0].usage.memory, `${Math.round(2 * 0.3 * 1024 * 1024)}Ki`);
    const top2 = await kubectl(['top', 'pod', '-n', 'demo', '--containers']);
    console.log(`$ kubectl top pod -n demo --containers\n${top2.out}${top2.err}`);
    console.log(`stand-in requests served: ${JSON.stringify(metrics.stats.byPath)}`);
  } finally {
    if (metrics) { await metrics.stop(); }
    await cp.stop();
    stopAll();
    if (keep) { console.log(`kept ${workDir}`); } else { fs.rmSync(workDir, { recursive: true, force: true }); }
  }
  if (failures.length) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exit(1);
  }
  console.log('\nmetrics self-test passed');
}

main().catch(err => {
  console.error(err.stack || err.message);
  stopAll();
  process.exit(1);
});
