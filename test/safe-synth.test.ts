import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { replaceDirectory } from '../lib/render/manifest-writer';
import { tree } from './util';

const { FleetPolicyValidation } = require('../scripts/policy-plugin');

describe('safe synth', () => {
  let tmp: string;
  let dist: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safe-synth-'));
    dist = path.join(tmp, 'dist');
    fs.mkdirSync(path.join(dist, 'prod', 'a'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'prod', 'a', 'old.yaml'), 'old: true\n');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a successful synth replaces dist/ completely (stale files disappear)', () => {
    replaceDirectory(dist, [{ path: 'prod/a/new.yaml', content: 'new: true\n' }]);
    expect(tree(dist)).toEqual({ 'prod/a/new.yaml': 'new: true\n' });
    expect(fs.readdirSync(tmp)).toEqual(['dist']); // no temporary folders left behind
  });

  test('a synth that fails while writing leaves dist/ exactly as it was', () => {
    const before = tree(dist);
    // The second file cannot be written: its parent path is a file.
    expect(() => replaceDirectory(dist, [
      { path: 'prod/a/x.yaml', content: 'x\n' },
      { path: 'prod/a/x.yaml/y.yaml', content: 'y\n' },
    ])).toThrow();
    expect(tree(dist)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });
});

describe('cdk8s validation plugin', () => {
  function runPlugin(files: Record<string, object>): Promise<{ status: string; violations: any[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-'));
    const manifests = Object.entries(files).map(([rel, o]) => {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, JSON.stringify(o));
      return p;
    });
    const violations: any[] = [];
    let status = '';
    const context = {
      manifests,
      logger: { log: () => undefined },
      report: { addViolation: (v: any) => violations.push(v), submit: (s: string) => { status = s; } },
    };
    return new FleetPolicyValidation().validate(context).then((): { status: string; violations: any[] } => {
      fs.rmSync(dir, { recursive: true, force: true });
      return { status, violations };
    });
  }

  test('fails with the object, the check and the fix', async () => {
    const { status, violations } = await runPlugin({
      'production/x/service-web.yaml': { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [] } },
    });
    expect(status).toBe('failure');
    const rules = violations.map(v => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['namespace', 'service-type', 'service-targets-pod']));
    expect(violations.find(v => v.ruleName === 'service-type').recommendation).toMatch(/Service\/web .* is a NodePort Service/);
    expect(violations.find(v => v.ruleName === 'service-type').fix).toMatch(/use ClusterIP/);
  });

  test('passes a clean namespace', async () => {
    const { status } = await runPlugin({ 'dev/x/namespace-x.yaml': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } } });
    expect(status).toBe('success');
  });
});

describe('npx cdk8s synth', () => {
  const root = path.join(__dirname, '..');
  /** A digest of every file of the committed dist/: names and contents. */
  const digest = () => {
    const files = tree(path.join(root, 'dist'));
    return crypto.createHash('sha256').update(JSON.stringify(Object.entries(files).sort())).digest('hex');
  };

  test("writes into a scratch folder, never dist/: a failing app leaves dist/ byte-identical and says so", () => {
    // cdk8s-cli empties its output folder first; that folder must not be dist/.
    const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
    expect(path.resolve(root, config.output)).not.toBe(path.resolve(root, 'dist'));
    const before = digest();
    const app = `node -e "console.error('synth failed; dist/ was left as it was.'); process.exit(1)"`;
    const r = spawnSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade', '--app', app],
      { cwd: root, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/dist\/ was left as it was/);
    expect(digest()).toBe(before);
  });

  test('the plugin reports the gate result the app left, without gating again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-report-'));
    const report = path.join(dir, 'fleet-policy-report.yaml');
    fs.writeFileSync(report, 'dist: /x/dist\nobjects: 7\nexemptions:\n  - { file: a.yaml, object: Deployment/a, check: pod-probes, reason: because }\n');
    const logs: string[] = [];
    let status = '';
    let details: any;
    await new FleetPolicyValidation().validate({
      manifests: [report],
      logger: { log: (m: string) => logs.push(m) },
      report: { addViolation: () => { throw new Error('no violation expected'); }, submit: (s: string, d: any) => { status = s; details = d; } },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(status).toBe('success');
    expect(details).toEqual({ objects: '7', exemptions: '1' });
    expect(logs.join('\n')).toMatch(/EXEMPT a.yaml Deployment\/a \[pod-probes\] \(exempt: because\)/);
  });
});
