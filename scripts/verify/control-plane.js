// A throw-away Kubernetes control plane on loopback: etcd and kube-apiserver (no kubelet, no
// controllers), with certificates, a service-account key and a bearer token made for this run.
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

function tail(file, lines = 15) {
  try { return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

/**
 * Starts etcd and kube-apiserver from `bin` (a folder with `etcd` and `kube-apiserver-<version>`)
 * under `workDir`. Resolves when /readyz answers ok. Returns { kubeconfig, server, token, stop() }.
 */
async function startControlPlane({ bin, version, workDir }) {
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
  const tokens = path.join(workDir, 'tokens.csv');
  fs.writeFileSync(tokens, `${token},verify-admin,verify-admin,"system:masters"\n`, { mode: 0o600 });

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
  fs.writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: verify',
    'clusters:', '- name: verify', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
    'users:', '- name: verify-admin', '  user:', `    token: ${token}`,
    'contexts:', '- name: verify', '  context:', '    cluster: verify', '    user: verify-admin', '',
  ].join('\n'), { mode: 0o600 });

  return {
    kubeconfig, server, token, logs: { etcd: etcdLog, apiserver: apiLog },
    async stop() { await stop(apiserver); await stop(etcd); },
  };
}

module.exports = { startControlPlane, stopAll, freePort };
