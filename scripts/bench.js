#!/usr/bin/env node
// `npm run bench [-- --runs N] [-- --no-test] [-- --no-write]`: measures synth against its
// floor, our construct layer against cdk8s-plus-27 at 10/100/1000 services, peak memory and
// npm test; prints a table and writes BENCHMARKS.md. Every figure is a median over N runs,
// each in a fresh process, with the compared commands interleaved run by run.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { bundle, root } = require('./bundle');

const args = process.argv.slice(2);
const flag = name => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const RUNS = Number(option('--runs', '5'));
const SIZES = option('--sizes', '10,100,1000').split(',').map(Number);
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const bench = path.join(root, '.build', 'bench');

const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs a command once; wall ms and peak RSS (KB, from GNU time when present). */
function measure(cmd, cmdArgs, cwd = root) {
  const argv = TIME ? ['-f', '\nBENCH %e %M', cmd, ...cmdArgs] : cmdArgs;
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME ?? cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status}):\n${(r.stdout + r.stderr).slice(-2000)}`);
  }
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  return { ms: wall, rssKB: m ? Number(m[2]) : undefined, stdout: r.stdout };
}

/** Interleaves `commands` for `runs` rounds; medians per command. */
function compare(commands, runs) {
  const samples = Object.fromEntries(Object.keys(commands).map(k => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [k, run] of Object.entries(commands)) { samples[k].push(run()); }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, {
    ms: median(xs.map(x => x.ms)),
    rssKB: xs.some(x => x.rssKB) ? median(xs.map(x => x.rssKB ?? 0)) : undefined,
    runs: xs.length,
  }]));
}

function floorApp() {
  const dir = path.join(bench, 'floor');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: typescript\napp: node app.js\noutput: dist\n');
  fs.writeFileSync(path.join(dir, 'app.js'),
    "const { App, Chart } = require('cdk8s');\nconst app = new App();\nnew Chart(app, 'empty');\napp.synth();\n");
  return dir;
}

async function main() {
  fs.mkdirSync(bench, { recursive: true });
  const npx = 'npx';
  const rows = [];
  const log = s => process.stderr.write(`${s}\n`);

  // 1. The whole fleet against the floor.
  log(`synth vs floor (${RUNS} runs each)…`);
  const floor = floorApp();
  measure(npx, ['cdk8s', 'synth', '--no-check-upgrade'], floor); // warm npm/npx caches
  measure('npm', ['run', '--silent', 'synth']); // builds the bundle once; later runs reuse it
  const synth = compare({
    floor: () => measure(npx, ['cdk8s', 'synth', '--no-check-upgrade'], floor),
    npmSynth: () => measure('npm', ['run', '--silent', 'synth']),
    cdk8sSynth: () => measure(npx, ['cdk8s', 'synth', '--no-check-upgrade', '-o', path.join(bench, 'cli-dist')]),
  }, RUNS);
  const rerender = compare({
    // The bundle reused, but no record of a current dist/: everything is rendered and written.
    npmSynthRender: () => {
      fs.rmSync(path.join(root, '.build', 'synth-state.json'), { force: true });
      return measure('npm', ['run', '--silent', 'synth']);
    },
  }, RUNS);
  const cold = compare({
    npmSynthCold: () => {
      fs.rmSync(path.join(root, '.build', 'main.js.inputs.json'), { force: true });
      return measure('npm', ['run', '--silent', 'synth']);
    },
  }, Math.min(RUNS, 3));

  // 2. Synthetic fleets: our layer against cdk8s-plus-27, ApiObject and YAML alone.
  const synthetic = await bundle('scripts/bench/synthetic.ts');
  const way = (w, n, extra = []) => () => {
    const r = measure(process.execPath, ['-e', `require(${JSON.stringify(synthetic)}).run(${JSON.stringify([w, String(n), ...extra])})`]);
    const line = JSON.parse(r.stdout.trim().split('\n').pop());
    return { ms: line.ms, rssKB: line.maxRssKB };
  };
  const fleets = {};
  for (const n of SIZES) {
    log(`synthetic fleet of ${n} services…`);
    way('ours', n, ['--save'])();
    way('cdk8s-plus', n, ['--verify'])(); // fails unless the typed rebuild is byte-identical
    fleets[n] = compare({
      ours: way('ours', n), 'ours+synth': way('ours+synth', n), 'cdk8s-plus': way('cdk8s-plus', n),
      apiobject: way('apiobject', n), yaml: way('yaml', n),
    }, RUNS);
  }

  // 3. The test suite.
  let tests;
  if (!flag('--no-test')) {
    log('npm test…');
    tests = compare({ npmTest: () => measure('npm', ['test', '--silent']) }, Math.min(RUNS, 3)).npmTest;
  }

  // Report.
  const s = v => (v / 1000).toFixed(2);
  const mb = kb => (kb ? `${Math.round(kb / 1024)} MiB` : 'n/a');
  const ratio = (a, b) => a / b;
  const check = (ok, text) => `${ok ? 'PASS' : 'MISS'} ${text}`;
  const big = Math.max(...SIZES);
  const r1 = ratio(synth.npmSynth.ms, synth.floor.ms);
  const targets = [
    check(r1 <= 1.5, `npm run synth with nothing changed ≤ 1.5 × floor: ${r1.toFixed(2)}×`),
    check(ratio(synth.cdk8sSynth.ms, synth.floor.ms) <= 1.3, `npx cdk8s synth ≤ 1.3 × floor: ${ratio(synth.cdk8sSynth.ms, synth.floor.ms).toFixed(2)}×`),
  ];
  if (fleets[1000] && fleets[100]) {
    const layer = ratio(fleets[1000].ours.ms, fleets[1000]['cdk8s-plus'].ms);
    const growth = ratio(fleets[1000].ours.ms, fleets[100].ours.ms);
    const peak = Math.max(...Object.values(fleets[1000]).map(x => x.rssKB ?? 0));
    targets.push(
      check(layer <= 1.25, `1000 services: ours ≤ 1.25 × cdk8s-plus-27: ${layer.toFixed(2)}×`),
      check(growth <= 11, `time(1000) / time(100) ≤ 11: ${growth.toFixed(1)}`),
      check(peak < 1024 * 1024, `peak memory at 1000 services < 1 GiB: ${mb(peak)}`),
    );
  }
  if (tests) { targets.push(check(tests.ms < 60000, `npm test < 60 s: ${s(tests.ms)} s`)); }

  rows.push('| what | median | peak memory | vs |', '| --- | ---: | ---: | --- |');
  rows.push(`| floor: \`npx cdk8s synth\` of an empty app | ${s(synth.floor.ms)} s | ${mb(synth.floor.rssKB)} | |`);
  rows.push(`| \`npm run synth\` with nothing changed (dist/ already current: nothing rendered) | ${s(synth.npmSynth.ms)} s | ${mb(synth.npmSynth.rssKB)} | ${r1.toFixed(2)} × floor |`);
  rows.push(`| \`npm run synth\`, bundle reused, whole fleet rendered, gated and written | ${s(rerender.npmSynthRender.ms)} s | ${mb(rerender.npmSynthRender.rssKB)} | ${ratio(rerender.npmSynthRender.ms, synth.floor.ms).toFixed(2)} × floor |`);
  rows.push(`| \`npm run synth\` after a code change (incremental type-check, bundle rebuilt) | ${s(cold.npmSynthCold.ms)} s | ${mb(cold.npmSynthCold.rssKB)} | ${ratio(cold.npmSynthCold.ms, synth.floor.ms).toFixed(2)} × floor |`);
  rows.push(`| \`npx cdk8s synth\` with nothing changed (+ the validation plugin's report) | ${s(synth.cdk8sSynth.ms)} s | ${mb(synth.cdk8sSynth.rssKB)} | ${ratio(synth.cdk8sSynth.ms, synth.floor.ms).toFixed(2)} × floor |`);
  for (const n of SIZES) {
    const f = fleets[n];
    for (const [k, label] of [['ours', 'our constructs → YAML'], ['ours+synth', 'our constructs → YAML + traffic map + policy gate'], ['cdk8s-plus', 'cdk8s-plus-27 typed classes → YAML'], ['apiobject', 'plain ApiObjects → YAML'], ['yaml', 'YAML serialization only']]) {
      const vs = k === 'ours' || k === 'ours+synth' ? `${ratio(f[k].ms, f['cdk8s-plus'].ms).toFixed(2)} × cdk8s-plus` : '';
      rows.push(`| ${n} services (${n * 7 + 2} objects): ${label} | ${f[k].ms.toFixed(0)} ms | ${mb(f[k].rssKB)} | ${vs} |`);
    }
  }
  if (tests) { rows.push(`| \`npm test\` (tsc --noEmit + jest) | ${s(tests.ms)} s | ${mb(tests.rssKB)} | |`); }

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  const table = [...rows, '', 'Targets:', ...targets.map(t => `- ${t}`)].join('\n');
  process.stdout.write(`\n${table}\n`);

  if (!flag('--no-write')) {
    const doc = fs.readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8');
    const start = '<!-- bench:start -->';
    const end = '<!-- bench:end -->';
    const run = [start, '', `Run on ${new Date().toISOString().slice(0, 10)}: ${machine}. Medians of ${RUNS} runs (npm test and the rebuilt-bundle synth: ${Math.min(RUNS, 3)}).`, '', table, '', end].join('\n');
    fs.writeFileSync(path.join(root, 'BENCHMARKS.md'), doc.includes(start)
      ? doc.slice(0, doc.indexOf(start)) + run + doc.slice(doc.indexOf(end) + end.length)
      : `${doc.trimEnd()}\n\n${run}\n`);
    process.stderr.write('wrote BENCHMARKS.md\n');
  }
}

main().catch(e => {
  console.error(`bench failed: ${e.message}`);
  process.exit(1);
});
