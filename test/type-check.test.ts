import * as fs from 'fs';
import * as path from 'path';
const { bundle, root, TypeCheckError } = require('../scripts/bundle');

// Synth runs bundled code; esbuild alone would drop a misspelled prop silently. A changed
// entry is type-checked first, and the error names the file, the line and the prop.
// Type-checking loads the compiler and the standard library: seconds on a busy machine.
jest.setTimeout(60_000);

describe('no bundle from code that does not type-check', () => {
  const dir = path.join(root, '.build', `type-check-test-${process.pid}`);
  const rel = (f: string) => path.relative(root, path.join(dir, f));
  beforeAll(() => fs.mkdirSync(dir, { recursive: true }));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a misspelled prop fails with file, line and name, and nothing is built', async () => {
    fs.writeFileSync(path.join(dir, 'entry.ts'), [
      'interface WebProps { readonly sessionAffinity?: "ClientIP" | "None" }',
      'function web(props: WebProps): string { return props.sessionAffinity ?? "None"; }',
      'export function run(): string {',
      '  return web({ sessionAfinity: "ClientIP" });',
      '}',
      '',
    ].join('\n'));
    const name = `type-check-test-${process.pid}`;
    const failure = bundle(rel('entry.ts'), name);
    await expect(failure).rejects.toBeInstanceOf(TypeCheckError);
    await expect(bundle(rel('entry.ts'), name)).rejects.toThrow(
      new RegExp(`${rel('entry.ts').replace(/[.]/g, '\\.')}:4:16: error TS2561: .*'sessionAfinity'.*Did you mean to write 'sessionAffinity'`));
    expect(fs.existsSync(path.join(root, '.build', `${name}.js`))).toBe(false);

    fs.writeFileSync(path.join(dir, 'entry.ts'), fs.readFileSync(path.join(dir, 'entry.ts'), 'utf8').replace('sessionAfinity', 'sessionAffinity'));
    const out: string = await bundle(rel('entry.ts'), name);
    expect(fs.existsSync(out)).toBe(true);
    for (const f of [out, `${out}.inputs.json`, path.join(root, '.build', `${name}.tsbuildinfo`)]) { fs.rmSync(f, { force: true }); }
  });
});
