// `npm run diff [-- --base <git-ref>]`: what the working tree's dist/ changes against a
// commit (HEAD by default), object by object, as Markdown for a pull request.
// `-- --comment <file> --link <url>` also writes the pull-request comment's version.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { isManifestPath } from '../lib/render/manifest-path';
import { diffTrees, fitComment, ManifestTree, ObjectChange, RiskFlag, riskyChanges, toMarkdown } from '../lib/review/manifest-diff';

/** The manifests under `dir` at git `ref`, read in one `git cat-file --batch`. */
export function readGitTree(root: string, ref: string, dir = 'dist'): Map<string, any> {
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: root, input, maxBuffer: 1 << 30 });
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`"${ref}" is not a commit in this repository. Fix: pass a branch, tag or commit, e.g. --base origin/main`);
  }
  const files = git(['ls-tree', '-r', '-z', '--name-only', ref, '--', `${dir}/`]).toString('utf8').split('\0')
    .filter(f => isManifestPath(path.posix.relative(dir, f)));
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
      const relative = path.relative(base, p).split(path.sep).join('/');
      if (e.isDirectory()) { walk(p); } else if (isManifestPath(relative)) {
        out.set(relative, parse(fs.readFileSync(p, 'utf8')));
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
  // An emptied dist/ (a failed render) would read as the removal of every object.
  if (after.size === 0 && before.size > 0) {
    throw new Error(`dist/ has no manifests in the working tree but ${before.size} at ${base}. Fix: run npm run synth`);
  }
  const changes = diffTrees(before, after);
  const risks = riskyChanges(changes, before, after);
  return { changes, risks, markdown: toMarkdown(changes, risks, `Manifest changes: ${base} → working tree`) };
}

/** GitHub refuses comments over 65,536 characters; room is left for the workflow's marker line. */
const COMMENT_LIMIT = 65_000;

interface Args { base: string; comment?: string; link: string }

function parseArgs(args: string[]): Args {
  const out: Args = { base: 'HEAD', link: 'the job summary' };
  const usage = 'Usage: npm run diff [-- --base <git-ref>] [--comment <file> [--link <url of the full review>]]';
  for (let i = 0; i < args.length; i++) {
    const [flag, inlineValue] = args[i].startsWith('--') && args[i].includes('=') ? args[i].split(/=(.*)/s) : [args[i], undefined];
    const name = ({ '--base': 'base', '--comment': 'comment', '--link': 'link' } as const)[flag];
    const v = inlineValue ?? args[i + 1];
    if (!name || v === undefined || v === '') { throw new Error(`${name ? `${flag} needs a value` : `unknown argument "${args[i]}"`}. ${usage}`); }
    if (inlineValue === undefined) { i++; }
    out[name] = v;
  }
  return out;
}

/**
 * Entry point for scripts/run-app.js: prints the review; with `--comment <file>`, also writes
 * a version that fits a pull-request comment there. Exit 0 with or without changes; 2 on
 * bad input or when the review cannot be made (so CI fails rather than posting nothing).
 */
export function run(args: string[]): void {
  try {
    const a = parseArgs(args);
    const { markdown } = review(process.cwd(), a.base);
    if (a.comment) { fs.writeFileSync(a.comment, fitComment(markdown, COMMENT_LIMIT, a.link)); }
    process.stdout.write(markdown);
  } catch (e) {
    console.error(`diff failed: ${(e as Error).message}`);
    process.exit(2);
  }
}
