#!/usr/bin/env node
// `npm run bench:verify [-- --runs N] [-- --cold] [-- --simulate] [-- --no-write]`: times the
// verify command.
//   --cold      also builds every tool from scratch (empty Go build cache and tools folder;
//               the module cache is kept, so downloads are not counted) — several minutes
//   --runs N    warm `npm run verify` runs (kube-score, promtool, API servers) to take the
//               median of (default 3; 0 skips them)
//   --simulate  also runs the release scenarios once and records each sync's figures
// Prints tables and rewrites the verify (and simulation) sections of BENCHMARKS.md.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = name => args.includes(name);
const runsArg = args.indexOf('--runs') >= 0 ? Number(args[args.indexOf('--runs') + 1]) : 3;
const runs = Number.isInteger(runsArg) && runsArg >= 0 ? runsArg : 3;
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const log = m => process.stderr.write(`bench:verify: ${m}\n`);

function timed(cmd, cmdArgs, env = {}) {
  const start = Date.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  if (r.status !== 0) { throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`); }
  return { seconds: (Date.now() - start) / 1000, output: r.stdout + r.stderr };
}

function main() {
  const rows = ['| what | time |', '| --- | ---: |'];
  const targets = [];
  if (flag('--cold')) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gocache-'));
    const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tools-'));
    try {
      log('building every tool from scratch (minutes)…');
      const cold = timed(path.join(root, 'tools', 'build.sh'), [], { GOCACHE: cache, FLEET_TOOLS_DIR: tools });
      for (const m of cold.output.matchAll(/built (\S+) in (\d+) s/g)) { rows.push(`| cold build: ${m[1]} | ${m[2]} s |`); }
      rows.push(`| cold build: all tools (\`tools/build.sh\`, empty Go build cache) | ${cold.seconds.toFixed(0)} s |`);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(tools, { recursive: true, force: true });
    }
  }
  log('warming the tools…');
  timed(path.join(root, 'tools', 'build.sh'), []);
  const samples = [];
  let steps = {};
  for (let i = 0; i < runs; i++) {
    log(`warm npm run verify, run ${i + 1} of ${runs}…`);
    const r = timed('node', [path.join(root, 'scripts', 'verify', 'verify.js'), '--only', 'kube-score,promtool,apiserver']);
    samples.push(r.seconds);
    for (const m of r.output.matchAll(/kube-apiserver\s+(\S+) (\S+)\s+(\d+) objects applied in ([\d.]+) s/g)) {
      (steps[`${m[1]} ${m[2]}`] ??= []).push(Number(m[4]));
    }
  }
  if (runs > 0) {
    const warm = median(samples);
    rows.push(`| warm \`npm run verify\` without the simulation: self-test, kube-score, promtool, 3 environments × 2 API servers | ${warm.toFixed(1)} s |`);
    for (const [k, xs] of Object.entries(steps)) { rows.push(`| of which kube-apiserver ${k}: fresh control plane, CRDs, apply | ${median(xs).toFixed(1)} s |`); }
    targets.push(`${warm <= 90 ? 'PASS' : 'MISS'} warm verify of all three environments on both API servers ≤ 90 s: ${warm.toFixed(1)} s`);
  }
  let simulation;
  if (flag('--simulate')) {
    log('release scenarios…');
    const json = path.join(os.tmpdir(), `scenarios-${process.pid}.json`);
    timed('node', [path.join(root, 'scripts', 'simulate', 'scenarios.js'), '--json', json]);
    simulation = scenarioTable(JSON.parse(fs.readFileSync(json, 'utf8')));
    fs.rmSync(json, { force: true });
    targets.push(`${simulation.total <= 300 ? 'PASS' : 'MISS'} every release scenario ≤ 5 min (warm tools): ${simulation.total.toFixed(0)} s`);
  }

  if (simulation) { rows.push('', simulation.table); }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
  const table = [...rows, '', 'Targets:', ...targets.map(t => `- ${t}`)].join('\n');
  process.stdout.write(`\n${table}\n`);
  if (!flag('--no-write')) {
    const file = path.join(root, 'BENCHMARKS.md');
    const doc = fs.readFileSync(file, 'utf8');
    const start = '<!-- verify:start -->';
    const end = '<!-- verify:end -->';
    const previousCold = doc.includes(start) && !flag('--cold')
      ? (doc.slice(doc.indexOf(start), doc.indexOf(end)).match(/^\| cold build.*$/gm) ?? []) : [];
    const body = previousCold.length
      ? table.replace('| --- | ---: |', `| --- | ---: |\n${previousCold.map(l => (l.includes('(earlier run)') ? l : l.replace(/ \|$/, ' (earlier run) |'))).join('\n')}`)
      : table;
    const section = [start, '', `Run on ${new Date().toISOString().slice(0, 10)}: ${machine}. Warm verify: median of ${runs} runs.`, '', body, '', end].join('\n');
    fs.writeFileSync(file, doc.includes(start)
      ? doc.slice(0, doc.indexOf(start)) + section + doc.slice(doc.indexOf(end) + end.length)
      : `${doc.trimEnd()}\n\n## The verify command (\`npm run bench:verify\`)\n\nThe real tools are built once per machine (\`tools/build.sh\`); the cold row is that first build, the warm rows every run after it.\n\n${section}\n`);
    log('wrote BENCHMARKS.md');
  }
}

/** The scenarios' figures as a Markdown table. */
function scenarioTable(report) {
  const lines = ['| scenario | step | sync result | sync | switch (sync start → every live endpoint on the new color) | fewest ready live endpoints during the sync |', '| --- | --- | --- | ---: | ---: | --- |'];
  for (const x of report.scenarios) {
    const min = Object.entries(x.minReady).map(([s, n]) => `${s} ${n}`).join(', ');
    lines.push(`| ${x.scenario} | ${x.step} | ${x.phase}${x.reported?.length ? ` (reports ${x.reported.slice(0, 2).join('; ')}${x.reported.length > 2 ? '; …' : ''})` : ''} | ${x.syncSeconds.toFixed(1)} s | ${x.switchSeconds !== undefined ? `${x.switchSeconds.toFixed(1)} s` : '–'} | ${min} |`);
  }
  lines.push('', 'A first install (a, and e on a first install) starts with no endpoints at all; d starts with the broken color live — the incident the rollback ends. '
    + 'Every other sync kept every live Service at the serving count (the HPA minimum, 2, here: the simulation has no load); in c the promote said 4 were serving (`--serving 4`), and green had 4 ready pods when it first took live traffic. '
    + 'Syncs that wait on a broken color end at the observation window (20 s) and report the Deployments still Progressing; the live switch happened before.');
  lines.push('', `Rendering every release state: ${report.renderSeconds.toFixed(1)} s; simulated cluster ready: ${report.clusterReadySeconds.toFixed(1)} s; whole simulation: ${report.totalSeconds.toFixed(0)} s${report.failures.length ? `; FAILURES: ${report.failures.join('; ')}` : ''}.`);
  return { table: lines.join('\n'), total: report.totalSeconds };
}

try { main(); } catch (e) { console.error(`bench:verify failed: ${e.message}`); process.exit(1); }
