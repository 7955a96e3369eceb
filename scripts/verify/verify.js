#!/usr/bin/env node
// npm run verify: dist/ judged by the programs that consume it.
//
//   1. kube-score (its default checks) on every environment: nothing at WARNING or above.
//   2. promtool: `check rules` on every PrometheusRule, `test rules` on the alert unit tests.
//   3. The real kube-apiserver, 1.27 and the newest release, each environment on a fresh
//      control plane: the CRDs the manifests use, then Namespaces, then everything
//      (`kubectl apply --server-side`, for real). Any error or warning fails.
//   4. The release simulation (scripts/simulate/scenarios.js): production/songnodes released,
//      promoted, rolled back and canaried on a simulated cluster, synced by Argo CD's engine.
//
// Options (or environment variables):
//   --crds DIR        FLEET_CRDS         upstream CRD copies (default ../shared/crds)
//   --versions A,B    FLEET_K8S_VERSIONS API server versions (default 1.27,1.37)
//   --envs a,b        FLEET_ENVS         environments (default: every folder of dist/)
//   --only STEPS      kube-score,promtool,apiserver,simulate (default: all)
//   --keep            keep the temporary folder (logs, kubeconfig) for a look afterwards
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseAllDocuments } = require('yaml');
const { startControlPlane, run } = require('./control-plane');

const root = path.resolve(__dirname, '..', '..');
const SUPPORTED_VERSIONS = ['1.27', '1.37'];
/**
 * Namespaces that exist before dist/ is applied: Argo CD is installed by hand (README,
 * bootstrapping), and its Applications live in its namespace.
 */
const PREINSTALLED_NAMESPACES = ['argocd'];

function option(name, envVar, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--')) { return process.argv[i + 1]; }
  return process.env[envVar] || fallback;
}
const flag = name => process.argv.includes(`--${name}`);

/** Every manifest of dist/<env>/, with the object(s) it holds. */
function readEnvironment(env) {
  const dir = path.join(root, 'dist', env);
  const files = [];
  for (const system of fs.readdirSync(dir).sort()) {
    for (const name of fs.readdirSync(path.join(dir, system)).sort()) {
      if (!name.endsWith('.yaml')) { continue; }
      const file = path.join(dir, system, name);
      const objects = parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS()).filter(Boolean);
      files.push({ file, rel: path.relative(root, file), objects });
    }
  }
  return files;
}

const describe = o => `${o.kind}/${o.metadata?.name}`;

// ---------------------------------------------------------------- kube-score

/** `kube-score score --output-format ci` over one environment; every WARNING/CRITICAL line is a finding. */
async function kubeScore(bin, env, files) {
  const res = await run(path.join(bin, 'kube-score'), ['score', '--output-format', 'ci', '--kubernetes-version', 'v1.27',
    ...files.map(f => f.file)]);
  const findings = [];
  for (const line of res.out.split('\n')) {
    const m = /^\[(WARNING|CRITICAL)\] (.*)$/.exec(line.trim());
    if (m) { findings.push({ env, consumer: 'kube-score', message: `[${m[1]}] ${m[2]}` }); }
  }
  if (res.code !== 0 && findings.length === 0) {
    findings.push({ env, consumer: 'kube-score', message: `exited ${res.code}: ${res.err.trim() || res.out.trim()}` });
  }
  return findings;
}

// ---------------------------------------------------------------- API server

/** The CRDs (from `crdDir`) that define the custom kinds `files` use, by name: their file and `<group>/<Kind>`; a kind with no CRD is an error. */
function crdsFor(crdDir, files) {
  if (!fs.existsSync(crdDir)) {
    throw new Error(`CRD folder ${crdDir} does not exist. Fix: point --crds (or FLEET_CRDS) at a folder of the upstream `
      + 'CustomResourceDefinitions: prometheus-operator (example/prometheus-operator-crd/), Argo CD (manifests/crds/), '
      + 'one CRD per file; ../shared/crds/SOURCES.md lists the exact upstream tags and paths');
  }
  const byKind = new Map();
  for (const name of fs.readdirSync(crdDir).filter(n => /\.ya?ml$/.test(n))) {
    const file = path.join(crdDir, name);
    for (const crd of parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS())) {
      if (crd?.kind === 'CustomResourceDefinition') {
        byKind.set(`${crd.spec.group}/${crd.spec.names.kind}`, { file, name: crd.metadata.name });
      }
    }
  }
  const needed = new Map();
  for (const f of files) {
    for (const o of f.objects) {
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      if (!group.includes('.') || group.endsWith('.k8s.io') && !group.startsWith('gateway.networking')) { continue; }
      const crd = byKind.get(`${group}/${o.kind}`);
      if (!crd) {
        throw new Error(`${f.rel}: ${o.apiVersion} ${o.kind} has no CustomResourceDefinition in ${crdDir}. Fix: add the `
          + "upstream CRD file for it there (and to its SOURCES.md)");
      }
      needed.set(crd.name, { file: crd.file, groupKind: `${group}/${o.kind}` });
    }
  }
  return needed;
}

/** Which object an apply output line is about: `kind.group/name serverside-applied`. */
const APPLIED = /^([a-z0-9.-]+)\/(\S+) serverside-applied$/;

/**
 * Which file and object an error line is about. kubectl names the file when it cannot decode
 * it; the API server names the object as `(namespace/name; group/version, Kind=Kind)` or
 * `Kind.group "name"`.
 */
function attribute(line, files, byName) {
  const quoted = /"([^"]+\.yaml)"/.exec(line);
  if (quoted) {
    return { consumer: /^(unable to decode|error:|resource mapping not found)/.test(line) ? 'kubectl' : 'kube-apiserver', file: path.relative(root, quoted[1]) };
  }
  const typed = /\((?:[^/;\s]+\/)?([^;\s]+); [^,]+, Kind=(\w+)\)/.exec(line);
  const named = /(\w+)(?:\.[\w.]+)? "([^"]+)" is (?:invalid|forbidden)/.exec(line);
  const key = typed ? `${typed[2].toLowerCase()}/${typed[1]}` : named ? `${named[1].toLowerCase()}/${named[2]}` : undefined;
  const f = key && byName.get(key);
  return { consumer: 'kube-apiserver', file: f?.rel, object: f ? describe(f.objects[0]) : undefined };
}

/** Applies `files` and turns kubectl's errors and warnings into findings. */
async function apply(kubectl, kubeconfig, cacheDir, env, version, files) {
  if (files.length === 0) { return []; }
  const byName = new Map();
  for (const f of files) {
    for (const o of f.objects) { byName.set(`${o.kind.toLowerCase()}/${o.metadata.name}`, f); }
  }
  const res = await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, 'apply', '--server-side',
    '--field-manager=fleet-verify', '--validate=strict', ...files.flatMap(f => ['-f', f.file])]);
  const findings = [];
  let pending = []; // warnings are printed before the line of the object they are about
  for (const line of res.both.split('\n').map(l => l.trim()).filter(Boolean)) {
    const applied = APPLIED.exec(line);
    if (applied) {
      const kind = applied[1].split('.')[0];
      const f = byName.get(`${kind}/${applied[2]}`);
      for (const w of pending) {
        findings.push({ env, version, consumer: 'kube-apiserver', file: f?.rel, object: `${applied[1]}/${applied[2]}`, message: w });
      }
      pending = [];
    } else if (line.startsWith('Warning:')) {
      pending.push(line);
    } else {
      findings.push({ env, version, ...attribute(line, files, byName), message: line });
    }
  }
  for (const w of pending) { findings.push({ env, version, consumer: 'kube-apiserver', message: w }); }
  if (res.code !== 0 && findings.length === 0) {
    findings.push({ env, version, consumer: 'kubectl', message: `exited ${res.code}: ${res.both.trim()}` });
  }
  return findings;
}

/** One environment on a fresh control plane of `version`. */
async function applyEnvironment({ bin, version, env, files, crdDir, tmp }) {
  const workDir = path.join(tmp, `${version}-${env}`);
  const started = Date.now();
  const cp = await startControlPlane({ bin, version, workDir });
  const kubectl = path.join(bin, `kubectl-${version}`);
  const cacheDir = path.join(workDir, 'kubectl-cache');
  const findings = [];
  try {
    const crds = crdsFor(crdDir, files);
    // CRDs whose own definition uses a CustomResourceDefinition field this API server does not
    // know (e.g. External Secrets v2's spec.selectableFields, Kubernetes 1.30+): not installed
    // here, and the objects of their kinds are checked on the newer version only.
    const tooNew = new Map();
    if (crds.size) {
      const install = list => run(kubectl, ['--kubeconfig', cp.kubeconfig, '--cache-dir', cacheDir, 'apply', '--server-side',
        '--field-manager=fleet-verify', ...list.flatMap(f => ['-f', f])]);
      let res = await install([...crds.values()].map(c => c.file));
      if (res.code !== 0) {
        // kubectl applies the others and reports each refused CRD in a block like
        // "failed to create typed patch object (/<crd>; …): errors:\n  .spec.versions[0].selectableFields: field not declared in schema".
        for (const block of res.both.split(/(?=Error from server)/)) {
          const name = /typed patch object \(\/([^;]+);/.exec(block)?.[1];
          const field = /\.spec\.(.*?): field not declared in schema/.exec(block);
          if (name && field && crds.has(name)) {
            tooNew.set(name, { field: field[1].length > 60 ? `…${/[\w-]+$/.exec(field[1])?.[0] ?? ''}` : field[1], groupKind: crds.get(name).groupKind });
            crds.delete(name);
          }
        }
        if (tooNew.size) { res = await install([...crds.values()].map(c => c.file)); }
      }
      if (res.code !== 0 || /Warning:/.test(res.err)) {
        findings.push({ env, version, consumer: 'kube-apiserver', message: `installing CRDs: ${res.both.trim()}` });
        return { findings, seconds: (Date.now() - started) / 1000 };
      }
      const wait = await run(kubectl, ['--kubeconfig', cp.kubeconfig, '--cache-dir', cacheDir, 'wait', '--for=condition=Established',
        '--timeout=60s', ...[...crds.keys()].map(n => `crd/${n}`)]);
      if (wait.code !== 0) {
        findings.push({ env, version, consumer: 'kube-apiserver', message: `CRDs not established: ${wait.both.trim()}` });
        return { findings, seconds: (Date.now() - started) / 1000 };
      }
    }
    const rendered = new Set(files.flatMap(f => f.objects.filter(o => o.kind === 'Namespace').map(o => o.metadata.name)));
    for (const ns of PREINSTALLED_NAMESPACES.filter(n => !rendered.has(n))) {
      await run(kubectl, ['--kubeconfig', cp.kubeconfig, '--cache-dir', cacheDir, 'create', 'namespace', ns]);
    }
    const isNamespace = f => f.objects.every(o => o.kind === 'Namespace');
    const skippedKinds = new Set([...tooNew.values()].map(t => t.groupKind));
    const checked = files.filter(f => !f.objects.some(o => skippedKinds.has(`${o.apiVersion.split('/')[0]}/${o.kind}`)));
    findings.push(...await apply(kubectl, cp.kubeconfig, cacheDir, env, version, checked.filter(isNamespace)));
    findings.push(...await apply(kubectl, cp.kubeconfig, cacheDir, env, version, checked.filter(f => !isNamespace(f))));
    const notChecked = files.length - checked.length;
    const notices = [...tooNew].map(([crdName, { field }]) => `CRD ${crdName} not installed: it uses spec.${field}, which Kubernetes ${version} does not have`);
    if (notChecked) { notices.push(`${notChecked} object(s) of those kinds checked on newer versions only`); }
    const count = await run(kubectl, ['--kubeconfig', cp.kubeconfig, '--cache-dir', cacheDir, 'get', '--raw', '/readyz']);
    if (count.code !== 0) { findings.push({ env, version, consumer: 'kube-apiserver', message: `not ready after apply: ${count.both}` }); }
    return { findings, notices, seconds: (Date.now() - started) / 1000 };
  } finally {
    await cp.stop();
  }
}

// ---------------------------------------------------------------- self-test

const FIXTURES = path.join(root, 'test', 'verify-fixtures');

/** The manifests of one fixture folder, each with the finding its first line expects. */
function readFixtures(dir) {
  return fs.readdirSync(dir).filter(n => n.endsWith('.yaml')).sort().map(name => {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    const expect = /^# expect (nothing|([\w-]+): (.*))$/m.exec(text.split('\n')[0]);
    if (!expect) { throw new Error(`${path.relative(root, file)}: the first line must be "# expect <consumer>: <regex>" or "# expect nothing"`); }
    return {
      file, rel: path.relative(root, file),
      objects: parseAllDocuments(text).map(d => d.toJS()).filter(Boolean),
      expect: expect[1] === 'nothing' ? undefined : { consumer: expect[2], pattern: new RegExp(expect[3]) },
    };
  });
}

/** Problems with one consumer's answers to the fixtures: a missed refusal, or an unexpected one. */
function compareWithFixtures(fixtures, findings, consumer) {
  const problems = [];
  for (const f of fixtures) {
    const mine = findings.filter(x => x.file === f.rel || (!x.file && f.expect && f.expect.pattern.test(x.message)));
    if (f.expect && !mine.some(x => x.consumer === f.expect.consumer && f.expect.pattern.test(x.message))) {
      problems.push(`${f.rel} was not refused by ${f.expect.consumer} as /${f.expect.pattern.source}/ `
        + `(${consumer} said: ${mine.map(x => `[${x.consumer}] ${x.message}`).join(' | ') || 'nothing'})`);
    }
    if (!f.expect && mine.length) { problems.push(`${f.rel} should pass, but: ${mine.map(x => x.message).join(' | ')}`); }
  }
  return problems;
}

/** Runs every step on the known-bad fixtures; returns what the steps failed to catch. */
async function selfTest({ bin, versions, crdDir, tmp, only }) {
  const problems = [];
  if (only.includes('kube-score')) {
    const fixtures = readFixtures(path.join(FIXTURES, 'kube-score'));
    const found = await kubeScore(bin, 'fixture', fixtures);
    problems.push(...compareWithFixtures(fixtures, found.map(x => ({ ...x, file: fixtures.find(f => x.message.includes(`${f.objects[0].metadata.name}/`))?.rel })), 'kube-score'));
  }
  if (only.includes('promtool')) {
    const { verifyAlerts } = require('./promtool');
    const distDir = path.join(FIXTURES, 'promtool');
    const fixtures = readFixtures(path.join(distDir, 'fixture', 'shop'));
    const empty = fs.mkdtempSync(path.join(tmp, 'no-unit-tests-'));
    const res = await verifyAlerts({ promtool: path.join(bin, 'promtool'), distDir, testDir: empty });
    problems.push(...compareWithFixtures(fixtures, res.findings.map(x => ({ ...x, consumer: 'promtool', file: x.file && path.relative(root, path.resolve(root, x.file)) })), 'promtool'));
  }
  if (only.includes('apiserver')) {
    const fixtures = readFixtures(path.join(FIXTURES, 'apiserver'));
    for (const version of versions) {
      const res = await applyEnvironment({ bin, version, env: 'fixture', files: fixtures, crdDir, tmp: path.join(tmp, 'self-test') });
      problems.push(...compareWithFixtures(fixtures, res.findings, `kube-apiserver ${version}`).map(p => `k8s ${version}: ${p}`));
    }
  }
  return problems;
}

// ---------------------------------------------------------------- main

function formatFinding(f) {
  const where = [f.env, f.version && `k8s ${f.version}`, f.file, f.object].filter(Boolean).join(' ');
  return `  FAIL ${where} [${f.consumer}] ${f.message}`;
}

async function main() {
  const crdDir = path.resolve(root, option('crds', 'FLEET_CRDS', '../shared/crds'));
  // The simulation (its self-test a child process, its scenarios in this one) reads the same folder.
  process.env.FLEET_CRDS = crdDir;
  const versions = option('versions', 'FLEET_K8S_VERSIONS', SUPPORTED_VERSIONS.join(',')).split(',');
  for (const v of versions) {
    if (!SUPPORTED_VERSIONS.includes(v)) {
      throw new Error(`unknown API server version "${v}". Fix: use one of ${SUPPORTED_VERSIONS.join(', ')} (tools/kubernetes-<version>/ pins each)`);
    }
  }
  const envs = option('envs', 'FLEET_ENVS', fs.readdirSync(path.join(root, 'dist')).sort().join(',')).split(',');
  const only = option('only', 'FLEET_VERIFY_ONLY', 'kube-score,promtool,apiserver,simulate').split(',');
  const started = Date.now();

  console.log('verify: building or reusing the pinned tools (tools/build.sh)');
  const bin = execFileSync(path.join(root, 'tools', 'build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-verify-'));
  const findings = [];
  const lines = [];
  try {
    // First the known-bad fixtures: a step that no longer catches them must not pass dist/.
    const missed = await selfTest({ bin, versions, crdDir, tmp, only });
    if (missed.length) {
      throw new Error(`self-test: the verify steps no longer catch what they must:\n  ${missed.join('\n  ')}`);
    }
    lines.push(`self-test       every known-bad fixture in test/verify-fixtures/ refused by its consumer`);
    const manifests = Object.fromEntries(envs.map(env => [env, readEnvironment(env)]));

    if (only.includes('kube-score')) {
      for (const env of envs) {
        const found = await kubeScore(bin, env, manifests[env]);
        findings.push(...found);
        lines.push(`kube-score      ${env.padEnd(11)} ${manifests[env].length} files: ${found.length ? `${found.length} finding(s)` : 'nothing at WARNING or above'}`);
      }
    }

    // promtool's unit tests (the SLO suites replay days of samples) run while the API servers
    // are checked: each is mostly one process, and the machine has two cores.
    const alerts = only.includes('promtool')
      ? require('./promtool').verifyAlerts({ promtool: path.join(bin, 'promtool'), distDir: path.join(root, 'dist'), testDir: path.join(root, 'test', 'alerts') })
      : undefined;

    if (only.includes('apiserver')) {
      for (const version of versions) {
        for (const env of envs) {
          const res = await applyEnvironment({ bin, version, env, files: manifests[env], crdDir, tmp })
            .catch(e => ({ seconds: 0, findings: [{ env, version, consumer: 'kube-apiserver', message: e.message }] }));
          findings.push(...res.findings);
          const objects = manifests[env].reduce((n, f) => n + f.objects.length, 0);
          lines.push(`kube-apiserver  ${version} ${env.padEnd(11)} ${objects} objects applied in ${res.seconds.toFixed(1)} s: ${res.findings.length ? `${res.findings.length} finding(s)` : 'no error, no warning'}`);
          for (const notice of res.notices ?? []) { lines.push(`                ${version} ${env.padEnd(11)} ${notice}`); }
        }
      }
    }
    if (alerts) {
      const res = await alerts;
      findings.push(...res.findings.map(f => ({ ...f, consumer: 'promtool' })));
      const at = lines.findIndex(l => l.startsWith('kube-apiserver')); // promtool's line before the API servers'
      lines.splice(at < 0 ? lines.length : at, 0, `promtool        ${res.summary}`);
    }
    if (only.includes('simulate')) {
      console.log(lines.map(l => `  ${l}`).join('\n'));
      lines.length = 0;
      // First the simulation's own known-bad fixtures (test/sim-fixtures/): it must show the
      // WaitForFirstConsumer deadlock, a never-Ready color and a failing hook, or its scenarios prove nothing.
      console.log('verify: the simulated cluster on its fixtures (scripts/simulate/selftest.js)');
      const selftest = await run(process.execPath, [path.join(root, 'scripts', 'simulate', 'selftest.js')]);
      if (selftest.code !== 0) {
        findings.push({ env: '-', consumer: 'simulation self-test', message: selftest.both.trim().split('\n').slice(-15).join('\n') });
      }
      lines.push(`simulate        self-test: ${selftest.code === 0 ? 'the deadlock, a never-Ready color, a failing hook and the waves held by the fleet\'s health checks all show' : 'FAILED'}`);
      console.log('verify: release scenarios on the simulated cluster (scripts/simulate/scenarios.js)');
      const { main: scenarios } = require('../simulate/scenarios');
      const res = await scenarios();
      findings.push(...res.failures.map(f => ({ env: 'production', file: `dist/production/${f.startsWith('h:') ? 'ariaforge' : 'songnodes'}`, consumer: 'release scenario', message: f })));
      lines.push(`simulate        ${res.scenarios.length} syncs of production/songnodes and production/ariaforge in ${res.totalSeconds.toFixed(0)} s`);
    }
  } finally {
    if (flag('keep')) { console.log(`verify: kept ${tmp}`); } else { fs.rmSync(tmp, { recursive: true, force: true }); }
  }

  console.log(lines.map(l => `  ${l}`).join('\n'));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (findings.length) {
    console.log(findings.map(formatFinding).join('\n'));
    console.log(`verify: ${findings.length} finding(s) in ${seconds} s`);
    process.exitCode = 1;
  } else {
    console.log(`verify: every consumer accepts dist/ (${seconds} s)`);
  }
}

module.exports = { applyEnvironment, crdsFor, kubeScore, readEnvironment };

if (require.main === module) {
  main().catch(e => {
    console.error(`verify: ${e.message}`);
    process.exitCode = 2;
  });
}
