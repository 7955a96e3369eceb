import * as fs from 'fs';
import * as path from 'path';
import { buildFleet, SYSTEMS } from '../lib/fleet';
import { ENVIRONMENT_NAMES } from '../lib/environments/environment';
import { isManifestPath } from '../lib/render/manifest-path';
import { checkManifests } from '../lib/policy/policy';
import { renderApp, RenderedFile } from '../lib/render/manifest-writer';
import { secretReads } from '../lib/secrets/secret-readers';
import { renderShop } from './fixtures/shop';

const files = renderApp(buildFleet());
const byDir = new Map<string, RenderedFile[]>();
for (const f of files) {
  const dir = path.dirname(f.path);
  byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
}

describe('the fleet', () => {
  test('every system renders for every environment, with its platform layer and Argo CD', () => {
    const folders = [...Object.keys(SYSTEMS), 'argocd', 'platform', 'platform-config', 'platform/bootstrap'];
    const expected = ENVIRONMENT_NAMES.flatMap(env => folders.map(s => `${env}/${s}`)).sort();
    expect([...byDir.keys()].sort()).toEqual(expected);
  });


  test('names are readable: no construct-hash suffixes, one object per file, manifests only at <env>/<folder>/', () => {
    expect(files.filter(f => f.object && !isManifestPath(f.path)).map(f => f.path)).toEqual([]);
    for (const f of files.filter(f => f.object)) {
      expect(f.object.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$/);
      expect(path.basename(f.path)).toBe(`${f.object.kind.toLowerCase()}-${f.object.metadata.name}.yaml`);
    }
  });

  test('two renders are byte-identical (deterministic output)', () => {
    const again = renderApp(buildFleet());
    expect(again.map(f => [f.path, f.content])).toEqual(files.map(f => [f.path, f.content]));
  });

  test('the committed dist/ is what the code renders', () => {
    const dist = path.join(__dirname, '..', 'dist');
    const committed: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) { walk(p); } else { committed.push(path.relative(dist, p)); }
      }
    };
    walk(dist);
    expect(committed.sort()).toEqual(files.map(f => f.path).sort());
    const stale = files.filter(f => fs.readFileSync(path.join(dist, f.path), 'utf8') !== f.content).map(f => f.path);
    expect(stale).toEqual([]);
  });
});

describe('the fleet\'s Secrets', () => {
  const manifests = files.filter(f => f.object).map(f => ({ file: f.path, env: f.path.split('/')[0], object: f.object }));

  test('no pod in any environment reads a Secret or key that nothing in its namespace produces', () => {
    const reads = manifests.flatMap(m => secretReads(m.object).filter(r => r.via === 'env').map(r => `${m.env}/${r.secretName}`));
    // Every environment's pods read (at least) the five Secrets of issue #14: the gate has something to check.
    for (const env of ENVIRONMENT_NAMES) {
      expect(reads).toEqual(expect.arrayContaining(['songnodes-secrets', 'novacron-secrets', 'ariaforge-secrets',
        'domain-runner-database', 'domain-runner-llm-keys'].map(s => `${env}/${s}`)));
    }
    expect(checkManifests(manifests).filter(f => f.check === 'secret-produced')).toEqual([]);
  });

  test('each system\'s ExternalSecret fetches exactly the keys the pods of its namespace read, and no Secret is rendered', () => {
    // The systems' ExternalSecrets (the platform's are read by the Helm charts it installs).
    const externalSecrets = manifests.filter(m => m.object.kind === 'ExternalSecret' && m.file.split('/')[1] in SYSTEMS);
    expect(externalSecrets.length).toBeGreaterThanOrEqual(3 * 5);
    for (const es of externalSecrets) {
      const { namespace, name } = es.object.metadata;
      const read = new Set(manifests.filter(m => m.env === es.env && m.object.metadata.namespace === namespace)
        .flatMap(m => secretReads(m.object)).filter(r => r.secretName === name).flatMap(r => r.keys ?? []));
      expect([es.file, es.object.spec.data.map((d: any) => d.secretKey)]).toEqual([es.file, [...read].sort()]);
    }
    expect(manifests.filter(m => m.object.kind === 'Secret')).toEqual([]);
  });
});

// The snapshots are of the tool, not of the fleet: what the constructs, the writer and the
// traffic map make of the fixture `shop` system (test/fixtures/shop.ts) in every environment.
// They change when the construct library changes — review them then (`npm test -- -u` after
// reading the diff) — and never when a system, an image or a live color changes: those are
// reviewed in dist/ and with `npm run diff`.
describe('the construct library on its fixture system', () => {
  const shopFiles = renderShop();
  for (const env of ENVIRONMENT_NAMES) {
    test(`snapshot ${env}/shop`, () => {
      const content = Object.fromEntries(shopFiles.filter(f => f.path.startsWith(`${env}/`))
        .map(f => [f.path, f.object ?? f.content]));
      expect(content).toMatchSnapshot();
    });
  }
});
