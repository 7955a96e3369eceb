#!/usr/bin/env node
// `npm run bench:verify [-- --runs N] [-- --cold] [-- --no-write]`: times the verify command.
//   --cold     also builds every tool from scratch (empty Go build cache and tools folder;
//              the module cache is kept, so downloads are not counted) — several minutes
//   --runs N   warm `npm run verify` runs to take the median of (default 3)
// Prints a table and rewrites the verify section of BENCHMARKS.md.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = name => args.includes(name);
const runs = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
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
    const r = timed('node', [path.join(root, 'scripts', 'verify', 'verify.js')]);
    samples.push(r.seconds);
    for (const m of r.output.matchAll(/kube-apiserver\s+(\S+) (\S+)\s+(\d+) objects applied in ([\d.]+) s/g)) {
      (steps[`${m[1]} ${m[2]}`] ??= []).push(Number(m[4]));
    }
  }
  const warm = median(samples);
  rows.push(`| warm \`npm run verify\`: self-test, kube-score, promtool, 3 environments × 2 API servers | ${warm.toFixed(1)} s |`);
  for (const [k, xs] of Object.entries(steps)) { rows.push(`| of which kube-apiserver ${k}: fresh control plane, CRDs, apply | ${median(xs).toFixed(1)} s |`); }
  targets.push(`${warm <= 90 ? 'PASS' : 'MISS'} warm verify of all three environments on both API servers ≤ 90 s: ${warm.toFixed(1)} s`);

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

try { main(); } catch (e) { console.error(`bench:verify failed: ${e.message}`); process.exit(1); }
