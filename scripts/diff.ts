// `npm run diff [-- --base <git-ref>]`: what the working tree's dist/ changes against a
// commit (HEAD by default), object by object, as Markdown for a pull request.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { diffTrees, ManifestTree, ObjectChange, RiskFlag, riskyChanges, toMarkdown } from '../lib/review/manifest-diff';

/** The manifests under `dir` at git `ref`, read in one `git cat-file --batch`. */
export function readGitTree(root: string, ref: string, dir = 'dist'): Map<string, any> {
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: root, input, maxBuffer: 1 << 30 });
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`"${ref}" is not a commit in this repository. Fix: pass a branch, tag or commit, e.g. --base origin/main`);
  }
  const files = git(['ls-tree', '-r', '-z', '--name-only', ref, '--', `${dir}/`]).toString('utf8').split('\0')
    .filter(f => f.endsWith('.yaml'));
  const out = new Map<string, any>();
  if (files.length === 0) { return out; }
  const batch = git(['cat-file', '--batch'], files.map(f => `${ref}:${f}\n`).join(''));
  let at = 0;
  for (const f of files) {
    const headerEnd = batch.indexOf(0x0a, at);
    const size = Number(batch.subarray(at, headerEnd).toString('utf8').split(' ')[2]);
    const content = batch.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8');
    at = headerEnd + 1 + size + 1;
    out.set(path.posix.relative(dir, f), parse(content));
  }
  return out;
}

/** The manifests under `dir` in the working tree. */
export function readWorkingTree(root: string, dir = 'dist'): Map<string, any> {
  const base = path.join(root, dir);
  const out = new Map<string, any>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { walk(p); } else if (e.name.endsWith('.yaml')) {
        out.set(path.relative(base, p).split(path.sep).join('/'), parse(fs.readFileSync(p, 'utf8')));
      }
    }
  };
  if (fs.existsSync(base)) { walk(base); }
  return out;
}

export interface Review {
  readonly changes: ObjectChange[];
  readonly risks: RiskFlag[];
  readonly markdown: string;
}

/** The review of the working tree's dist/ against `base`. */
export function review(root: string, base: string): Review {
  const before: ManifestTree = readGitTree(root, base);
  const after: ManifestTree = readWorkingTree(root);
  const changes = diffTrees(before, after);
  const risks = riskyChanges(changes, before, after);
  return { changes, risks, markdown: toMarkdown(changes, risks, `Manifest changes: ${base} → working tree`) };
}

function parseArgs(args: string[]): { base: string } {
  let base = 'HEAD';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--base' && args[i + 1]) { base = args[++i]; } else if (a.startsWith('--base=')) { base = a.slice('--base='.length); } else {
      throw new Error(`unknown argument "${a}". Usage: npm run diff [-- --base <git-ref>]`);
    }
  }
  return { base };
}

/** Entry point for scripts/run-app.js. Exit 0 with or without changes; 2 on bad input. */
export function run(args: string[]): void {
  try {
    process.stdout.write(review(process.cwd(), parseArgs(args).base).markdown);
  } catch (e) {
    console.error(`diff failed: ${(e as Error).message}`);
    process.exit(2);
  }
}
