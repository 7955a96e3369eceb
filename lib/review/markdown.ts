// The review as Markdown: short values on one line, long ones whole in a fenced diff block.
import { stringify } from 'yaml';
import type { ObjectChange, RiskFlag } from './manifest-diff';
import type { FieldChange } from './object-diff';

/** A value fits on the list line when it is short, on one line, with nothing Markdown would read as markup. */
const INLINE_MAX = 80;
/** Blocks longer than this fold into a `<details>` so one big value does not bury the rest. */
const FOLD_LINES = 20;

function scalar(v: unknown): string | undefined {
  if (v === undefined) { return '(none)'; }
  if (typeof v === 'string') { return v; }
  if (v === null || typeof v === 'number' || typeof v === 'boolean') { return JSON.stringify(v); }
  return undefined;
}

function inline(v: unknown): string | undefined {
  // A small object or list reads well in YAML's flow style: `{ name: PORT, value: "80" }`.
  const s = scalar(v) ?? stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).replace(/\n$/, '');
  // An empty string or one with spaces at its ends would read as nothing; markup would render.
  return s !== undefined && s.length <= INLINE_MAX && s.trim() === s && s !== '' && !/[\n`*<>|\\]|^_|_$/.test(s) ? s : undefined;
}

/** The whole value as lines: a string as it is, anything else as YAML (never folded). */
function lines(v: unknown): string[] {
  if (typeof v === 'string') { return v.split('\n'); }
  return stringify(v, { lineWidth: 0 }).replace(/\n$/, '').split('\n');
}

/** A path in Markdown: as it is, or in a code span when it holds markup characters (a `*` host). */
function mdPath(p: string): string {
  return /[`*<>|\\]/.test(p) ? `\`${p.replace(/`/g, "'")}\`` : p;
}

/**
 * One changed field as Markdown list lines under `head` (`- env/system Kind/name`):
 * `head: path old → new` when both values are short, else `head: path changed:` (or
 * `added:` / `removed:`) followed by the whole values in a fenced `diff` block (`-` before,
 * `+` after), folded into `<details>` when long. Nothing is cut.
 */
function fieldLines(head: string, f: FieldChange): string[] {
  const verb = f.before === undefined ? 'added' : f.after === undefined ? 'removed' : 'changed';
  const [b, a] = [inline(f.before), inline(f.after)];
  if (b !== undefined && a !== undefined) {
    return [verb === 'changed' ? `${head}: ${mdPath(f.path)} ${b} → ${a}` : `${head}: ${mdPath(f.path)} ${verb}: ${verb === 'added' ? a : b}`];
  }
  const body = [
    ...(f.before === undefined ? [] : lines(f.before).map(l => `- ${l}`)),
    ...(f.after === undefined ? [] : lines(f.after).map(l => `+ ${l}`)),
  ];
  const longestTicks = Math.max(0, ...body.map(l => Math.max(0, ...(l.match(/`+/g) ?? []).map(t => t.length))));
  const fence = '`'.repeat(Math.max(3, longestTicks + 1));
  const block = [`${fence}diff`, ...body, fence].map(l => `  ${l}`);
  const out = [`${head}: ${mdPath(f.path)} ${verb}:`, ''];
  if (body.length > FOLD_LINES) {
    out.push(`  <details><summary>${body.length} lines</summary>`, '', ...block, '', '  </details>');
  } else {
    out.push(...block);
  }
  out.push('');
  return out;
}

/**
 * The review as Markdown for a pull-request comment or a job summary: risky changes first,
 * a table per environment and system, then every change with its field paths
 * (`- production/songnodes Service/backend-api: spec.selector.color blue → green`).
 */
export function toMarkdown(changes: readonly ObjectChange[], risks: readonly RiskFlag[], title: string): string {
  if (changes.length === 0) {
    return `## ${title}\n\nno changes\n`;
  }
  const out = [`## ${title}`, ''];
  if (risks.length) {
    out.push(`### ⚠️ Risky changes (${risks.length})`, '');
    for (const r of risks) { out.push(`- **${r.dir} ${r.object}**: ${r.reason}`); }
    out.push('');
  } else {
    out.push('No risky changes found (see "Reviewing a change" in the README for what is flagged).', '');
  }
  const dirs = [...new Set(changes.map(c => c.dir))];
  out.push('| environment/system | added | removed | changed |', '| --- | ---: | ---: | ---: |');
  for (const d of dirs) {
    const n = (k: ObjectChange['change']) => changes.filter(c => c.dir === d && c.change === k).length;
    out.push(`| ${d} | ${n('added')} | ${n('removed')} | ${n('changed')} |`);
  }
  for (const d of dirs) {
    out.push('', `### ${d}`, '');
    for (const c of changes.filter(x => x.dir === d)) {
      if (c.change !== 'changed') {
        out.push(`- ${d} ${c.object}: **${c.change}**`);
        continue;
      }
      for (const f of c.fields) { out.push(...fieldLines(`- ${d} ${c.object}`, f)); }
    }
  }
  // Blocks end with a blank line; never two in a row, never one before the end.
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n+$/, '')}\n`;
}

/**
 * `markdown` cut to at most `limit` characters at a section boundary (GitHub refuses comments
 * over 65,536): the risks and the table, then whole systems while they fit, then a line
 * naming the systems left out and where the full review is. No value is ever cut; only when
 * the risks and table alone are too long are they cut, at a line, and said to be.
 */
export function fitComment(markdown: string, limit: number, fullReview: string): string {
  if (markdown.length <= limit) { return markdown; }
  const sections = markdown.split(/\n(?=### )/);
  // The risks section (which holds the table) belongs to the head; the rest are systems.
  const systemsFrom = sections.findIndex((x, i) => i > 0 && !x.startsWith('### ⚠️'));
  const head = sections.slice(0, systemsFrom < 0 ? sections.length : systemsFrom).join('\n');
  const systems = systemsFrom < 0 ? [] : sections.slice(systemsFrom);
  const title = (x: string) => x.split('\n')[0].slice('### '.length);
  const note = (rest: string[]) => `\n_Not shown here (the comment would be too long): ${rest.join(', ')}. The whole review: ${fullReview}_\n`;
  const names = systems.map(title);
  if ((head + note(names)).length > limit) {
    const shown: string[] = [];
    const cut = `\n_The list above stops here (the comment would be too long): the whole review is at ${fullReview}_\n`;
    for (const line of head.split('\n')) {
      if ([...shown, line].join('\n').length + cut.length > limit) { break; }
      shown.push(line);
    }
    return `${shown.join('\n').replace(/\n+$/, '')}\n${cut}`;
  }
  let out = head;
  let kept = 0;
  while (kept < systems.length && (`${out}\n${systems[kept]}` + note(names.slice(kept + 1))).length <= limit) {
    out += `\n${systems[kept++]}`;
  }
  return `${out.replace(/\n+$/, '')}\n${note(names.slice(kept))}`;
}
