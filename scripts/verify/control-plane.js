// A throw-away Kubernetes control plane on loopback: etcd and kube-apiserver (no kubelet; with
// `controllers: true` also kube-controller-manager and kube-scheduler, for scripts/simulate/),
// with certificates, a service-account key and bearer tokens made for this run.
// The API server is the real one, so admission (Pod Security, validation, defaulting, CRD
// schemas) answers exactly as in a cluster of that version.
'use strict';
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const net = require('net');
const path = require('path');

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Every process this module started, so that exit and signals can stop them all. */
const running = new Set();
function stopAll() {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { stopAll(); process.exit(130); });
}

function start(binary, args, logFile) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  running.add(child);
  child.exited = new Promise(resolve => child.on('exit', (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));
  return child;
}

/** Stops at once: the data is thrown away, so a graceful shutdown only costs time. */
async function stop(child) {
  if (!running.has(child)) { return; }
  child.kill('SIGKILL');
  await child.exited;
}

function get(url, token) {
  return new Promise(resolve => {
    const req = https.get(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, res => {
      let body = '';
      res.on('data', d => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', e => resolve({ status: 0, body: e.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/**
 * Runs a command to its end: resolves { code, out, err, both } (stdout, stderr, and both in the
 * order they came); never rejects (a binary that cannot be started gives code 127). `input`
 * goes to its stdin.
 */
function run(cmd, args, { input, env, cwd } = {}) {
  return new Promise(resolve => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env || process.env, cwd });
    let out = ''; let err = ''; let both = '';
    child.stdout.on('data', d => { out += d; both += d; });
    child.stderr.on('data', d => { err += d; both += d; });
    child.on('error', e => resolve({ code: 127, out, err: err + e.message, both: both + e.message }));
    child.on('close', code => resolve({ code, out, err, both }));
    child.stdin.end(input || '');
  });
}

function tail(file, lines = 15) {
  try { return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

function writeKubeconfig(file, server, user, token) {
  fs.writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: verify',
    'clusters:', '- name: verify', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
    'users:', `- name: ${user}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: verify', '  context:', '    cluster: verify', `    user: ${user}`, '',
  ].join('\n'), { mode: 0o600 });
}

/**
 * Starts etcd and kube-apiserver from `bin` (a folder with `etcd` and `kube-apiserver-<version>`)
 * under `workDir`. Resolves when /readyz answers ok. Returns { kubeconfig, server, token, stop() }.
 *
 * `controllers: true` also starts kube-controller-manager-<version> and kube-scheduler-<version>
 * (every controller but the cloud ones, no leader election, the run's service-account key for
 * the token controller) and resolves once both are running; `controllerArgs` /
 * `schedulerArgs` add flags. The result then also has `logs.controllerManager` and
 * `logs.scheduler`.
 */
async function startControlPlane({ bin, version, workDir, controllers = false, controllerArgs = [], schedulerArgs = [] }) {
  fs.mkdirSync(workDir, { recursive: true });
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdLog = path.join(workDir, 'etcd.log');
  const apiLog = path.join(workDir, 'kube-apiserver.log');

  const etcd = start(path.join(bin, 'etcd'), [
    '--name', 'verify', '--data-dir', path.join(workDir, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster', `verify=http://127.0.0.1:${etcdPeer}`,
    // Throw-away data: durability costs time and buys nothing here.
    '--unsafe-no-fsync', '--log-level', 'warn',
  ], etcdLog);

  // The service-account signing key and the admin token exist only for this run.
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saKey = path.join(workDir, 'sa.key');
  const saPub = path.join(workDir, 'sa.pub');
  fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  const token = crypto.randomBytes(24).toString('hex');
  // The controller manager acts with its own credentials for every controller
  // (--use-service-account-credentials=false), so it needs more than its bootstrap role; the
  // scheduler's user is the one the API server's bootstrap RBAC binds.
  const kcmToken = crypto.randomBytes(24).toString('hex');
  const schedToken = crypto.randomBytes(24).toString('hex');
  const tokens = path.join(workDir, 'tokens.csv');
  fs.writeFileSync(tokens, [
    `${token},verify-admin,verify-admin,"system:masters"`,
    ...(controllers ? [
      `${kcmToken},system:kube-controller-manager,system:kube-controller-manager,"system:masters"`,
      `${schedToken},system:kube-scheduler,system:kube-scheduler`,
    ] : []), '',
  ].join('\n'), { mode: 0o600 });

  const apiserver = start(path.join(bin, `kube-apiserver-${version}`), [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
    // No certificate given: the API server makes a self-signed serving pair in cert-dir.
    `--cert-dir=${path.join(workDir, 'certs')}`,
    `--token-auth-file=${tokens}`, '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${saPub}`, `--service-account-signing-key-file=${saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // No kubelet and a loopback address: nothing to publish as the kubernetes Service's endpoints.
    '--endpoint-reconciler-type=none',
    // As in every real cluster (kubeadm's default): privileged pods are allowed by the
    // server, so that Pod Security admission is what judges them.
    '--allow-privileged=true',
    '--profiling=false', '--v=1',
  ], apiLog);

  const server = `https://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const exited = !running.has(etcd) ? 'etcd' : !running.has(apiserver) ? 'kube-apiserver' : undefined;
    if (exited) {
      await stop(etcd); await stop(apiserver);
      throw new Error(`${exited} ${version} exited at start:\n${tail(exited === 'etcd' ? etcdLog : apiLog)}`);
    }
    const ready = await get(`${server}/readyz`, token);
    if (ready.status === 200) { break; }
    if (Date.now() > deadline) {
      await stop(apiserver); await stop(etcd);
      throw new Error(`kube-apiserver ${version} was not ready after 90 s (${ready.status} ${ready.body.slice(0, 300)}):\n${tail(apiLog)}`);
    }
    await sleep(250);
  }

  const kubeconfig = path.join(workDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, server, 'verify-admin', token);
  const logs = { etcd: etcdLog, apiserver: apiLog };
  const children = [apiserver, etcd];
  const stopAllOfThem = async () => { for (const child of children) { await stop(child); } };

  if (controllers) {
    try {
      children.unshift(...await startControllers({ bin, version, workDir, server, kcmToken, schedToken, saKey, controllerArgs, schedulerArgs, logs }));
    } catch (e) {
      await stopAllOfThem();
      throw e;
    }
  }

  return {
    kubeconfig, server, token, logs,
    async stop() { await stopAllOfThem(); },
  };
}

async function startControllers({ bin, version, workDir, server, kcmToken, schedToken, saKey, controllerArgs, schedulerArgs, logs }) {
  const kcmKubeconfig = path.join(workDir, 'kube-controller-manager.kubeconfig');
  const schedKubeconfig = path.join(workDir, 'kube-scheduler.kubeconfig');
  writeKubeconfig(kcmKubeconfig, server, 'system:kube-controller-manager', kcmToken);
  writeKubeconfig(schedKubeconfig, server, 'system:kube-scheduler', schedToken);
  logs.controllerManager = path.join(workDir, 'kube-controller-manager.log');
  logs.scheduler = path.join(workDir, 'kube-scheduler.log');

  const kcm = start(path.join(bin, `kube-controller-manager-${version}`), [
    `--kubeconfig=${kcmKubeconfig}`,
    // Its own serving endpoint is not needed: nothing scrapes or probes it.
    '--secure-port=0',
    '--leader-elect=false', '--use-service-account-credentials=false',
    // The token controller signs with the run's key; the API server's self-signed serving
    // certificate is what pods would trust (kube-root-ca.crt).
    `--service-account-private-key-file=${saKey}`,
    `--root-ca-file=${path.join(workDir, 'certs', 'apiserver.crt')}`,
    // Every on-by-default controller (the cloud ones are not even built: providerless) but
    // node IPAM: nodes get no pod CIDRs here. (A later --controllers in controllerArgs adds to
    // this list, e.g. '--controllers=-horizontal-pod-autoscaler-controller'.)
    '--controllers=*,-node-ipam-controller',
    '--allocate-node-cidrs=false',
    '--kube-api-qps=200', '--kube-api-burst=400',
    // Quick reactions on a small cluster.
    '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10',
    '--concurrent-service-endpoint-syncs=10', '--concurrent-statefulset-syncs=10', '--concurrent-job-syncs=10',
    '--profiling=false', '--v=1',
    ...controllerArgs,
  ], logs.controllerManager);

  const schedConfig = path.join(workDir, 'kube-scheduler.yaml');
  fs.writeFileSync(schedConfig, [
    'apiVersion: kubescheduler.config.k8s.io/v1', 'kind: KubeSchedulerConfiguration',
    'clientConnection:', `  kubeconfig: ${JSON.stringify(schedKubeconfig)}`, '  qps: 200', '  burst: 400',
    'leaderElection:', '  leaderElect: false', '',
  ].join('\n'));
  const scheduler = start(path.join(bin, `kube-scheduler-${version}`), [
    `--config=${schedConfig}`, '--secure-port=0', '--profiling=false', '--v=1',
    ...schedulerArgs,
  ], logs.scheduler);

  // Both log a line once their informers are running; a start-up error exits the process.
  const deadline = Date.now() + 60_000;
  const started = { kcm: /Started controllers|Starting .*controller/i, scheduler: /Attempting to acquire leader lease|Starting Kubernetes Scheduler|successfully acquired lease|"Started"/i };
  for (;;) {
    for (const [child, name, log] of [[kcm, 'kube-controller-manager', logs.controllerManager], [scheduler, 'kube-scheduler', logs.scheduler]]) {
      if (!running.has(child)) {
        await stop(kcm); await stop(scheduler);
        throw new Error(`${name} ${version} exited at start:\n${tail(log)}`);
      }
    }
    const kcmLog = fs.readFileSync(logs.controllerManager, 'utf8');
    const schedLog = fs.readFileSync(logs.scheduler, 'utf8');
    if (started.kcm.test(kcmLog) && started.scheduler.test(schedLog)) { break; }
    if (Date.now() > deadline) {
      await stop(kcm); await stop(scheduler);
      throw new Error(`kube-controller-manager/kube-scheduler ${version} did not start in 60 s:\n${tail(logs.controllerManager)}\n${tail(logs.scheduler)}`);
    }
    await sleep(100);
  }
  return [kcm, scheduler];
}

module.exports = { startControlPlane, stopAll, freePort, start, stop, run, get, tail, sleep };
