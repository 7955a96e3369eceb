import * as fs from 'fs';
import * as path from 'path';
const { bundle, root } = require('../scripts/bundle');

// synth reuses its transpiled bundle while every input has the same content: a stale
// bundle would render yesterday's manifests, so the rebuild on change is tested here.
// Type-checking loads the compiler and the standard library: seconds on a busy machine.
jest.setTimeout(60_000);

describe('bundle cache', () => {
  const dir = path.join(root, '.build', `cache-test-${process.pid}`);
  const rel = (f: string) => path.relative(root, path.join(dir, f));
  beforeAll(() => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'entry.ts'), "import { value } from './dep';\nexport function run(): string { return value; }\n");
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const value = 'one';\n");
  });
  const name = `cache-test-${process.pid}`;
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    // The type-checker's incremental state, kept by scripts/bundle.js next to the bundle.
    fs.rmSync(path.join(root, '.build', `${name}.tsbuildinfo`), { force: true });
  });

  test('reuses an unchanged bundle and rebuilds when an input changes', async () => {
    const out: string = await bundle(rel('entry.ts'), name);
    // What the bundle returns, read fresh (jest keeps its own module registry).
    const load = () => /value = "(\w+)"/.exec(fs.readFileSync(out, 'utf8'))?.[1];
    expect(load()).toBe('one');
    const built = fs.statSync(out).mtimeMs;

    expect(await bundle(rel('entry.ts'), name)).toBe(out);
    expect(fs.statSync(out).mtimeMs).toBe(built); // not rebuilt

    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const value = 'two';\n");
    await bundle(rel('entry.ts'), name);
    expect(load()).toBe('two');

    fs.rmSync(`${out}.inputs.json`);
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const value = 'three';\n");
    await bundle(rel('entry.ts'), name);
    expect(load()).toBe('three'); // no manifest: always built
    fs.rmSync(out, { force: true });
    fs.rmSync(`${out}.inputs.json`, { force: true });
  });
});
