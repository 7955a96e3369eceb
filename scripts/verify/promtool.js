#!/usr/bin/env node
// promtool step of the verify command: `promtool check rules` on every PrometheusRule in
// dist/ and on every Grafana dashboard's queries, and `promtool test rules` on the alert unit
// tests in test/alerts/.
//
// Usage: node scripts/verify/promtool.js [--promtool <path>]   (exit 1 on any finding)
// promtool comes from Debian's `prometheus` package (apt-get install prometheus).
'use strict';
const { execFile } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '..', '..');
/** The environment whose rules the unit tests run against (see test/alerts/README.md). */
const UNIT_TEST_ENV = 'production';
/**
 * Grafana's interval variables and the durations a query is checked with in their place:
 * the same as GRAFANA_INTERVALS in lib/observability/dashboard.ts (a jest test compares them).
 */
const GRAFANA_INTERVALS = { $__rate_interval: '5m', $__interval: '1m', $__range: '1h' };

/**
 * A dashboard's queries as a Prometheus rule file: one recording rule per query, labelled
 * with its panel and query letter, so that `promtool check rules` parses each as Prometheus
 * does (the construct-time check is the grammar of the Prometheus UI; this is the real parser).
 */
function dashboardRuleFile(dashboard) {
  const rules = [];
  for (const panel of dashboard.panels ?? []) {
    for (const target of panel.targets ?? []) {
      let expr = target.expr;
      for (const [name, value] of Object.entries(GRAFANA_INTERVALS)) { expr = expr.split(name).join(value); }
      rules.push({ record: 'dashboard_query', expr, labels: { panel: panel.title, query: target.refId } });
    }
  }
  return { groups: [{ name: dashboard.uid, rules }] };
}

/**
 * @typedef {{ env: string, file: string, object: string, message: string }} Finding
 */

function run(promtool, args, cwd) {
  return new Promise(resolve => {
    execFile(promtool, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, error, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/**
 * Runs promtool over dist/ and test/alerts/.
 * @param {{ promtool?: string, distDir?: string, testDir?: string }} options
 * @returns {Promise<{ findings: Finding[], summary: string }>}
 */
async function verifyAlerts({ promtool = 'promtool', distDir = path.join(root, 'dist'), testDir = path.join(root, 'test', 'alerts') } = {}) {
  /** @type {Finding[]} */
  const findings = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    const version = await run(promtool, ['--version']);
    if (version.error && version.error.code === 'ENOENT') {
      return {
        findings: [{ env: '-', file: '-', object: '-', message: `promtool not found at "${promtool}"; install Debian's prometheus package or pass --promtool <path>` }],
        summary: 'promtool: not run (promtool missing)',
      };
    }
    // 1. Every PrometheusRule, extracted to a plain Prometheus rule file (promtool reads
    //    `groups:`, not the Kubernetes object around it), checked one file at a time so a
    //    finding names its file.
    let checked = 0;
    for (const env of listDirs(distDir)) {
      for (const system of listDirs(path.join(distDir, env))) {
        const dir = path.join(distDir, env, system);
        for (const name of fs.readdirSync(dir).filter(f => /^prometheusrule-.*\.yaml$/.test(f)).sort()) {
          const file = path.relative(root, path.join(dir, name));
          const object = YAML.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
          const objectName = `PrometheusRule/${object.metadata && object.metadata.name}`;
          const out = path.join(tmp, env, system, name);
          fs.mkdirSync(path.dirname(out), { recursive: true });
          fs.writeFileSync(out, YAML.stringify(object.spec));
          const result = await run(promtool, ['check', 'rules', out]);
          checked++;
          if (result.code !== 0) {
            // promtool's line:column count from the extracted spec (`groups:` is line 1), not the dist file.
            findings.push({ env, file, object: objectName, message: `${result.output.split(out).join(`${file} spec`)}` });
          }
        }
      }
    }
    // 1b. Every dashboard's queries (ConfigMaps labelled grafana_dashboard), one file each.
    let dashboards = 0;
    for (const env of listDirs(distDir)) {
      for (const system of listDirs(path.join(distDir, env))) {
        const dir = path.join(distDir, env, system);
        for (const name of fs.readdirSync(dir).filter(f => /^configmap-.*\.yaml$/.test(f)).sort()) {
          const object = YAML.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
          if (object.metadata?.labels?.grafana_dashboard === undefined) { continue; }
          const file = path.relative(root, path.join(dir, name));
          for (const [key, json] of Object.entries(object.data ?? {})) {
            const out = path.join(tmp, 'dashboards', env, system, `${key}.rules.yaml`);
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out, YAML.stringify(dashboardRuleFile(JSON.parse(json))));
            const result = await run(promtool, ['check', 'rules', out]);
            dashboards++;
            if (result.code !== 0) {
              findings.push({ env, file, object: `ConfigMap/${object.metadata.name} ${key}`, message: result.output.split(out).join(`${file} ${key} (queries as rules)`) });
            }
          }
        }
      }
    }
    // 2. Unit tests. promtool resolves a test file's rule_files relative to the test file, so
    //    each test/alerts/<system>[.<suite>].test.yaml is copied next to that system's extracted
    //    production rules (rule_files names the dist file, e.g. prometheusrule-novacron-alerts.yaml):
    //    the committed test file runs unchanged, and it always tests what dist/ holds.
    let tested = 0;
    const testFiles = fs.existsSync(testDir) ? fs.readdirSync(testDir).filter(f => f.endsWith('.test.yaml')).sort() : [];
    // The SLO tests replay days of traffic: run the files side by side, one per CPU.
    const jobs = testFiles.map(name => async () => {
      const system = name.split('.')[0]; // <system>.test.yaml or <system>.<suite>.test.yaml
      const file = path.relative(root, path.join(testDir, name));
      const target = path.join(tmp, UNIT_TEST_ENV, system);
      if (!fs.existsSync(target)) {
        return [{ env: UNIT_TEST_ENV, file, object: system, message: `no rules for system "${system}" in ${path.relative(root, distDir)}/${UNIT_TEST_ENV}` }];
      }
      const copy = path.join(target, name);
      fs.copyFileSync(path.join(testDir, name), copy);
      const result = await run(promtool, ['test', 'rules', copy], target);
      tested++;
      return result.code !== 0 ? [{ env: UNIT_TEST_ENV, file, object: `unit tests of ${system}`, message: result.output.split(copy).join(file) }] : [];
    });
    const results = new Array(jobs.length);
    let next = 0;
    await Promise.all(Array.from({ length: Math.max(1, Math.min(os.cpus().length, jobs.length)) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }));
    findings.push(...results.flat());
    const summary = `promtool (${version.output.split('\n')[0]}): checked ${checked} rule file(s) and ${dashboards} dashboard(s), ran ${tested} unit-test file(s) against ${UNIT_TEST_ENV}: ${findings.length} finding(s)`;
    return { findings, summary };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function listDirs(dir) {
  if (!fs.existsSync(dir)) { return []; }
  return fs.readdirSync(dir, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name).sort();
}

module.exports = { verifyAlerts, GRAFANA_INTERVALS };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--promtool');
  const promtool = at >= 0 ? args[at + 1] : process.env.PROMTOOL || 'promtool';
  verifyAlerts({ promtool }).then(({ findings, summary }) => {
    for (const f of findings) {
      console.log(`${f.env} ${f.file} ${f.object}:\n  ${f.message.replace(/\n/g, '\n  ')}`);
    }
    console.log(summary);
    process.exit(findings.length ? 1 : 0);
  }, error => {
    console.error(error);
    process.exit(2);
  });
}
