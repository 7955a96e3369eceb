import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { IConstruct } from 'constructs';
import { fail } from '../core/errors';
import { byCodeUnit } from '../core/checks';
import { editDistance } from '../core/spelling';

/**
 * Construct-time checks for the two languages an alert is written in: PromQL (its expression)
 * and Go templates (its annotations). They refuse what `promtool check rules` and Prometheus
 * would refuse, so a mistake names the construct path instead of failing in the cluster;
 * `scripts/verify/promtool.js` runs the real promtool as the backstop.
 *
 * PromQL is parsed with the grammar the Prometheus UI uses (@prometheus-io/lezer-promql).
 * That grammar checks syntax only, so the type rules Prometheus's own parser applies
 * (argument count and types of functions and aggregations, no range vectors in arithmetic,
 * `bool` between scalars, non-empty selectors, valid regexes) are added here.
 */

/** What is wrong and how to fix it; {@link validatePromQL} adds the construct path. */
export interface Problem {
  readonly problem: string;
  readonly fix: string;
}

/** A PromQL value type. */
export type PromQLType = 'scalar' | 'vector' | 'matrix' | 'string';

const TYPE_NAME: Record<PromQLType, string> = {
  scalar: 'a scalar', vector: 'an instant vector', matrix: 'a range vector', string: 'a string',
};

interface Signature {
  readonly args: PromQLType[];
  /** How many trailing args may be left out. */
  readonly optional?: number;
  /** The last argument may repeat. */
  readonly variadic?: boolean;
  readonly returns?: PromQLType;
}

const V: Signature = { args: ['vector'] };
const M: Signature = { args: ['matrix'] };
const V_OPT: Signature = { args: ['vector'], optional: 1 };

/**
 * The stable functions that every Prometheus we run accepts: promtool from Debian
 * (Prometheus 2.42) and the Prometheus 3 the operator deploys. Functions only one of them
 * knows (holt_winters, histogram_avg, …) or that Prometheus 3 hides behind
 * `promql-experimental-functions` (info, sort_by_label, mad_over_time, …) are refused.
 */
export const PROMQL_FUNCTIONS: Readonly<Record<string, Signature>> = {
  abs: V, absent: V, absent_over_time: M, acos: V, acosh: V, asin: V, asinh: V, atan: V, atanh: V,
  avg_over_time: M, ceil: V, changes: M, clamp: { args: ['vector', 'scalar', 'scalar'] },
  clamp_max: { args: ['vector', 'scalar'] }, clamp_min: { args: ['vector', 'scalar'] }, cos: V, cosh: V,
  count_over_time: M, day_of_month: V_OPT, day_of_week: V_OPT, day_of_year: V_OPT, days_in_month: V_OPT,
  deg: V, delta: M, deriv: M, exp: V, floor: V, histogram_count: V,
  histogram_fraction: { args: ['scalar', 'scalar', 'vector'] }, histogram_quantile: { args: ['scalar', 'vector'] },
  histogram_sum: V, hour: V_OPT, idelta: M, increase: M, irate: M,
  label_join: { args: ['vector', 'string', 'string', 'string'], optional: 1, variadic: true },
  label_replace: { args: ['vector', 'string', 'string', 'string', 'string'] },
  last_over_time: M, ln: V, log10: V, log2: V, max_over_time: M, min_over_time: M, minute: V_OPT, month: V_OPT,
  pi: { args: [], returns: 'scalar' }, predict_linear: { args: ['matrix', 'scalar'] }, present_over_time: M,
  quantile_over_time: { args: ['scalar', 'matrix'] }, rad: V, rate: M, resets: M,
  round: { args: ['vector', 'scalar'], optional: 1 }, scalar: { args: ['vector'], returns: 'scalar' }, sgn: V,
  sin: V, sinh: V, sort: V, sort_desc: V, sqrt: V, stddev_over_time: M, stdvar_over_time: M, sum_over_time: M,
  tan: V, tanh: V, time: { args: [], returns: 'scalar' }, timestamp: V, vector: { args: ['scalar'] }, year: V_OPT,
};

/** Aggregation operators and the parameter each takes before the vector. */
export const PROMQL_AGGREGATIONS: Readonly<Record<string, PromQLType | undefined>> = {
  sum: undefined, avg: undefined, min: undefined, max: undefined, count: undefined, group: undefined,
  stddev: undefined, stdvar: undefined, topk: 'scalar', bottomk: 'scalar', quantile: 'scalar', count_values: 'string',
};

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

class PromQLError extends Error {
  constructor(public readonly problem: string, public readonly fix: string) { super(problem); }
}

/**
 * A regex alternation matching exactly these literal values, as the inside of a PromQL
 * `=~"…"` matcher: each metacharacter escaped for the regex, and that backslash for the string.
 */
export function anyOf(values: readonly string[]): string {
  return values.map(v => v.replace(/[.+*?()|[\]{}^$\\]/g, '\\\\$&')).join('|');
}

/**
 * Checks a PromQL expression; returns undefined when Prometheus would accept it.
 * @param expected the types the caller can use (an alert needs a vector or a scalar)
 */
export function checkPromQL(expr: string, expected: PromQLType[] = ['vector', 'scalar']): Problem | undefined {
  const q = `"${expr}"`;
  if (!expr.trim()) { return { problem: 'PromQL expression is empty', fix: 'give an expression that returns the failing series' }; }
  const tree = parser.parse(expr);
  const syntax = syntaxProblem(expr, tree.topNode);
  if (syntax) { return { problem: `PromQL expression ${q} ${syntax.problem}`, fix: syntax.fix }; }
  try {
    const top = tree.topNode.firstChild!;
    const type = typeOf(expr, top);
    if (!expected.includes(type)) {
      throw new PromQLError(`returns ${TYPE_NAME[type]}, not ${expected.map(t => TYPE_NAME[t]).join(' or ')}`,
        type === 'matrix' ? 'wrap the range selector in a function such as rate() or max_over_time()' : 'return the series that should alert');
    }
  } catch (e) {
    if (e instanceof PromQLError) { return { problem: `PromQL expression ${q} ${e.problem}`, fix: e.fix }; }
    throw e;
  }
  return undefined;
}

/** Fails with `<path>: <what>: PromQL expression "<expr>" ... Fix: ...` unless `expr` is valid PromQL. */
export function validatePromQL(scope: IConstruct, what: string, expr: string, expected?: PromQLType[]): void {
  const p = checkPromQL(expr, expected);
  if (p) { fail(scope, `${what}: ${p.problem}`, p.fix); }
}

function text(src: string, node: SyntaxNode): string {
  return src.slice(node.from, node.to);
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) { out.push(c); }
  return out;
}

/** The first parse error, described: an unknown function first, since that is what a typo looks like. */
function syntaxProblem(src: string, top: SyntaxNode): Problem | undefined {
  let firstError: number | undefined;
  let unknownFunction: string | undefined;
  let unstableFunction: string | undefined;
  let badEscape: string | undefined;
  const cursor = top.cursor();
  do {
    const n = cursor.node;
    if (n.type.isError && firstError === undefined) { firstError = n.from; }
    if (n.name === 'StringLiteral' && badEscape === undefined) { badEscape = unknownEscape(text(src, n)); }
    // A name followed by "(" that the grammar did not take as a function is not one.
    if (n.name === 'Identifier' && unknownFunction === undefined && /^\s*\(/.test(src.slice(n.to))) {
      unknownFunction = text(src, n);
    }
    if (n.name === 'FunctionIdentifier' && !(text(src, n) in PROMQL_FUNCTIONS) && unstableFunction === undefined) {
      unstableFunction = text(src, n);
    }
  } while (cursor.next());
  if (unknownFunction !== undefined) {
    return {
      problem: `calls "${unknownFunction}", which is not a PromQL function or aggregation`,
      fix: `use ${nearest(unknownFunction, [...Object.keys(PROMQL_FUNCTIONS), ...Object.keys(PROMQL_AGGREGATIONS)])}(…) or another function Prometheus defines`,
    };
  }
  if (firstError !== undefined) {
    return { problem: `does not parse: unexpected ${describeAt(src, firstError)} at character ${firstError + 1}`, fix: syntaxFix(src, firstError) };
  }
  if (badEscape !== undefined) {
    return {
      problem: `has the escape sequence "${badEscape}" in a string, which Prometheus does not accept`,
      fix: 'escape a regex metacharacter with two backslashes inside the quotes (job=~"api\\\\.v1"), or build the alternation with anyOf()',
    };
  }
  if (unstableFunction !== undefined) {
    return {
      problem: `calls "${unstableFunction}", which not every Prometheus we run accepts (experimental in Prometheus 3, or missing from the promtool 2.42 that checks our rules)`,
      fix: `use a stable function, e.g. ${nearest(unstableFunction, Object.keys(PROMQL_FUNCTIONS))}(…)`,
    };
  }
  return undefined;
}

/**
 * The first escape sequence of a quoted PromQL string that Prometheus's lexer refuses
 * (promql/parser/lex.go lexEscape): it knows \a \b \f \n \r \t \v \\, the opening quote,
 * three octal digits, \x with two hex digits, \u with four and \U with eight. Backquoted
 * strings have no escapes.
 */
function unknownEscape(literal: string): string | undefined {
  const quote = literal[0];
  if (quote === '`') { return undefined; }
  const body = literal.slice(1, -1);
  const known = new RegExp(`^(?:[abfnrtv\\\\${quote}]|([0-7]{3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))`);
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') { continue; }
    const m = known.exec(body.slice(i + 1));
    if (!m) { return body.slice(i, i + 2); }
    // A byte (octal, \x) is at most 255; a code point (\u, \U) at most U+10FFFF and no surrogate.
    const [, octal, , unicode, wide] = m;
    const code = octal !== undefined ? parseInt(octal, 8) : unicode ?? wide ? parseInt((unicode ?? wide)!, 16) : undefined;
    if (code !== undefined && (octal !== undefined ? code > 255 : code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) {
      return body.slice(i, i + 1 + m[0].length);
    }
    i += m[0].length;
  }
  return undefined;
}

function describeAt(src: string, at: number): string {
  if (at >= src.length) { return 'end of expression'; }
  return `"${src.slice(at, at + 12).trimEnd()}"`;
}

/** Counts brackets outside string literals, to say which one is missing. */
function syntaxFix(src: string, at: number): string {
  const depth: Record<string, number> = { '(': 0, '[': 0, '{': 0 };
  const close: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < src.length && src[i] !== c; i++) { if (src[i] === '\\' && c !== '`') { i++; } }
    } else if (c in depth) { depth[c]++; } else if (c in close) { depth[close[c]]--; }
  }
  const pairs: Array<[string, string]> = [['(', ')'], ['[', ']'], ['{', '}']];
  for (const [open, shut] of pairs) {
    if (depth[open] > 0) { return `add the missing "${shut}" (${depth[open]} "${open}" not closed)`; }
    if (depth[open] < 0) { return `remove the extra "${shut}" or add its "${open}"`; }
  }
  return `correct the expression near character ${at + 1} ("${src.slice(Math.max(0, at - 10), at + 10)}"); see https://prometheus.io/docs/prometheus/latest/querying/basics/`;
}

/** Infers the type of an expression node, throwing PromQLError where Prometheus's parser would refuse it. */
function typeOf(src: string, node: SyntaxNode): PromQLType {
  switch (node.name) {
    case 'NumberDurationLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      if (typeOf(src, node.firstChild!) !== 'vector') {
        throw new PromQLError(`applies a range to ${text(src, node.firstChild!)}, which is not an instant vector`, 'select a range of a metric, e.g. metric[5m], or use a subquery (expr)[5m:1m]');
      }
      return 'matrix';
    case 'VectorSelector': checkSelector(src, node); return 'vector';
    case 'ParenExpr':
    case 'OffsetExpr':
    case 'StepInvariantExpr':
      return typeOf(src, node.firstChild!);
    case 'UnaryExpr': {
      const t = typeOf(src, node.lastChild!);
      if (t !== 'scalar' && t !== 'vector') { throw operandError(src, node, t); }
      return t;
    }
    case 'BinaryExpr': return binaryType(src, node);
    case 'FunctionCall': return functionType(src, node);
    case 'AggregateExpr': return aggregateType(src, node);
    default:
      throw new PromQLError(`uses ${text(src, node)}, which Prometheus's parser does not accept here`, 'write it without experimental modifiers');
  }
}

function operandError(src: string, node: SyntaxNode, t: PromQLType): PromQLError {
  return new PromQLError(`uses ${TYPE_NAME[t]} in "${text(src, node)}"; operators take only scalars and instant vectors`,
    t === 'matrix' ? 'wrap the range selector in a function such as rate() or avg_over_time()' : 'compare or combine numbers, not strings');
}

function binaryType(src: string, node: SyntaxNode): PromQLType {
  const parts = children(node);
  const [lhs, op, rhs] = [parts[0], text(src, parts[1]), parts[parts.length - 1]];
  const hasBool = parts.some(p => p.name === 'BoolModifier');
  const l = typeOf(src, lhs);
  const r = typeOf(src, rhs);
  for (const t of [l, r]) { if (t !== 'scalar' && t !== 'vector') { throw operandError(src, node, t); } }
  const operator = op.toLowerCase();
  if (SET_OPERATORS.has(operator) && (l !== 'vector' || r !== 'vector')) {
    throw new PromQLError(`uses "${operator}" with a scalar in "${text(src, node)}"; set operators need instant vectors on both sides`, 'turn the scalar into a vector with vector(…)');
  }
  if (l === 'scalar' && r === 'scalar' && COMPARISONS.has(operator) && !hasBool) {
    throw new PromQLError(`compares two scalars without "bool" in "${text(src, node)}"`, `write "${operator} bool"`);
  }
  if (hasBool && !COMPARISONS.has(operator)) {
    throw new PromQLError(`uses "bool" with "${operator}"`, 'use bool only after a comparison operator');
  }
  return l === 'vector' || r === 'vector' ? 'vector' : 'scalar';
}

function functionType(src: string, node: SyntaxNode): PromQLType {
  const name = text(src, node.firstChild!);
  const sig = PROMQL_FUNCTIONS[name];
  const args = children(node.lastChild!);
  const min = sig.args.length - (sig.optional ?? 0);
  if (args.length < min || (!sig.variadic && args.length > sig.args.length)) {
    const count = sig.variadic ? `at least ${min}` : min === sig.args.length ? `${min}` : `${min} to ${sig.args.length}`;
    throw new PromQLError(`calls ${name}() with ${args.length} argument(s); it takes ${count}`, `call it as ${name}(${sig.args.join(', ')})`);
  }
  args.forEach((arg, i) => {
    const want = sig.args[Math.min(i, sig.args.length - 1)];
    const got = typeOf(src, arg);
    if (got !== want) {
      throw new PromQLError(`passes ${TYPE_NAME[got]} (${text(src, arg)}) as argument ${i + 1} of ${name}(), which expects ${TYPE_NAME[want]}`,
        want === 'matrix' ? `give a range, e.g. ${name}(${text(src, arg)}[5m])` : `pass ${TYPE_NAME[want]}`);
    }
  });
  return sig.returns ?? 'vector';
}

function aggregateType(src: string, node: SyntaxNode): PromQLType {
  const op = text(src, node.firstChild!).toLowerCase();
  if (!(op in PROMQL_AGGREGATIONS)) {
    throw new PromQLError(`uses the aggregation "${op}", which Prometheus 3 accepts only as an experimental feature`, 'use topk or bottomk');
  }
  const param = PROMQL_AGGREGATIONS[op];
  const body = children(node).find(c => c.name === 'FunctionCallBody')!;
  const args = children(body);
  const want: PromQLType[] = param ? [param, 'vector'] : ['vector'];
  if (args.length !== want.length) {
    throw new PromQLError(`calls ${op}() with ${args.length} argument(s); it takes ${want.length}`, `call it as ${op}(${want.join(', ')})`);
  }
  args.forEach((arg, i) => {
    const got = typeOf(src, arg);
    if (got !== want[i]) {
      throw new PromQLError(`passes ${TYPE_NAME[got]} (${text(src, arg)}) to ${op}(), which expects ${TYPE_NAME[want[i]]}`,
        got === 'matrix' ? `aggregate instant vectors, e.g. ${op}(rate(${text(src, arg)}))` : `pass ${TYPE_NAME[want[i]]}`);
    }
  });
  return 'vector';
}

/** Decodes a PromQL string literal (double, single or back quotes). */
function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') { return body; }
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" } as Record<string, string>)[c] ?? c);
}

/** Go's RE2 has no lookaround or back-references; JavaScript has no inline flag groups. */
function regexProblem(pattern: string): string | undefined {
  if (/\(\?<?[=!]|\\[1-9]/.test(pattern)) { return 'uses lookaround or a back-reference, which Go regular expressions (RE2) do not support'; }
  try {
    new RegExp(`^(?:${pattern.replace(/\(\?[imsU]+\)/g, '')})$`);
    return undefined;
  } catch (e) {
    return `is not a valid regular expression (${(e as Error).message})`;
  }
}

function checkSelector(src: string, node: SyntaxNode): void {
  const hasName = node.firstChild?.name === 'Identifier';
  const matchers = node.getChild('LabelMatchers');
  let nonEmpty = hasName;
  for (const m of matchers ? children(matchers) : []) {
    const op = text(src, m.getChild('MatchOp')!);
    const label = text(src, m.firstChild!);
    const value = stringValue(text(src, m.getChild('StringLiteral') ?? m.lastChild!));
    if (op === '=~' || op === '!~') {
      const bad = regexProblem(value);
      if (bad) {
        throw new PromQLError(`matcher ${label}${op}"${value}" ${bad}`, 'write an RE2 regular expression, e.g. "5.." or "api|web"');
      }
    }
    const matchesEmpty = op === '=' ? value === '' : op === '!=' ? value !== ''
      : new RegExp(`^(?:${value.replace(/\(\?[imsU]+\)/g, '')})$`).test('') === (op === '=~');
    if (!matchesEmpty) { nonEmpty = true; }
  }
  if (!nonEmpty) {
    throw new PromQLError(`selects ${text(src, node)}, which matches every series (a selector needs a metric name or a matcher that does not match the empty string)`,
      'name the metric, e.g. up{job="api"}');
  }
}

/** The candidate nearest to `name` by edit distance (ties: the shortest, then alphabetical). */
export function nearest(name: string, candidates: string[]): string {
  return candidates
    .map(c => ({ c, d: editDistance(name.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.c.length - b.c.length || byCodeUnit(a.c, b.c))[0].c;
}


// ---------------------------------------------------------------------------------------
// Go templates (alert annotations and labels)

/** Functions Prometheus 2.42's alert templates define, plus Go's text/template builtins. */
export const TEMPLATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title', 'toUpper',
  'toLower', 'graphLink', 'tableLink', 'sortByLabel', 'humanize', 'humanize1024', 'humanizeDuration',
  'humanizePercentage', 'humanizeTimestamp', 'toTime', 'pathPrefix', 'externalURL', 'parseDuration', 'stripPort',
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne',
]);
/** Variables Prometheus defines for alert templates. */
const TEMPLATE_VARIABLES = new Set(['$', '$labels', '$value', '$externalLabels', '$externalURL']);
const BLOCK_KEYWORDS = new Set(['if', 'range', 'with', 'define', 'block']);
const KEYWORDS = new Set([...BLOCK_KEYWORDS, 'else', 'end', 'template', 'break', 'continue', 'nil', 'true', 'false']);

/**
 * Checks a Go template as Prometheus parses annotation templates; returns undefined when it
 * parses. A stray "}}" outside an action is refused too: Go would print it literally, and it
 * is always a "{{" typed as "{".
 */
export function checkGoTemplate(template: string): Problem | undefined {
  const stack: string[] = [];
  const declared = new Set(TEMPLATE_VARIABLES);
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    const stray = template.indexOf('}}', i);
    if (stray !== -1 && (open === -1 || stray < open)) {
      return { problem: `has "}}" without "{{" at character ${stray + 1}`, fix: 'open the action with "{{", e.g. {{ $labels.instance }}' };
    }
    if (open === -1) { break; }
    const action = readAction(template, open);
    if (typeof action !== 'string') { return action; }
    const end = open + 2 + action.length + 2;
    const problem = checkAction(action.replace(/^-\s/, '').replace(/\s-$/, '').trim(), stack, declared);
    if (problem) { return problem; }
    i = end;
  }
  if (stack.length) {
    return { problem: `opens {{ ${stack[stack.length - 1]} }} without a matching {{ end }}`, fix: 'close the block with {{ end }}' };
  }
  return undefined;
}

/** The raw text between "{{" at `open` and its "}}", skipping quoted strings and comments. */
function readAction(t: string, open: number): string | Problem {
  const unclosed: Problem = {
    problem: `has an unclosed action "${t.slice(open, open + 30)}" (no "}}") at character ${open + 1}`,
    fix: 'close it with "}}", e.g. {{ $labels.instance }}',
  };
  let i = open + 2;
  const body = t.slice(i).replace(/^-\s/, '');
  if (body.startsWith('/*')) {
    const close = t.indexOf('*/', i);
    const shut = close === -1 ? -1 : t.slice(close + 2).search(/^\s*-?\s*}}/) === 0 ? t.indexOf('}}', close) : -1;
    return shut === -1 ? unclosed : t.slice(i, shut);
  }
  for (; i < t.length; i++) {
    const c = t[i];
    if (c === '"' || c === "'" || c === '`') {
      const q = c;
      for (i++; i < t.length && t[i] !== q; i++) { if (t[i] === '\\' && q !== '`') { i++; } }
      if (i >= t.length) { return { problem: `has an unterminated string in the action at character ${open + 1}`, fix: `close the string with ${q}` }; }
    } else if (t.startsWith('}}', i)) {
      return t.slice(open + 2, i);
    } else if (t.startsWith('{{', i)) {
      return unclosed;
    }
  }
  return unclosed;
}

function checkAction(action: string, stack: string[], declared: Set<string>): Problem | undefined {
  if (action.startsWith('/*')) { return undefined; }
  if (!action) { return { problem: 'has an empty action "{{ }}"', fix: 'put a value in it, e.g. {{ $value }}, or remove it' }; }
  // Strings cannot hold anything we check; blank them out so their words are not taken as names.
  const code = action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'/g, '""');
  let depth = 0;
  for (const c of code) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) { return { problem: `has an extra ")" in {{ ${action} }}`, fix: 'balance the parentheses' }; }
  }
  if (depth > 0) { return { problem: `has an unclosed "(" in {{ ${action} }}`, fix: 'balance the parentheses' }; }
  const first = /^[A-Za-z_]\w*/.exec(code)?.[0];
  if (first && BLOCK_KEYWORDS.has(first)) { stack.push(first); }
  if (first === 'else' && !['if', 'range', 'with'].includes(stack[stack.length - 1])) {
    return { problem: '{{ else }} is outside an if, range or with block', fix: 'remove it or open the block first' };
  }
  if (first === 'end' && !stack.pop()) {
    return { problem: 'has {{ end }} without a block to close', fix: 'remove the {{ end }} or open the block with {{ if … }}' };
  }
  for (const m of code.matchAll(/\$\w*\s*:?=/g)) { declared.add(m[0].replace(/\s*:?=$/, '')); }
  for (const m of code.matchAll(/\$\w*/g)) {
    if (!declared.has(m[0])) {
      return { problem: `uses the undefined variable ${m[0]} in {{ ${action} }}`,
        fix: `use ${nearest(m[0], [...declared])} (Prometheus defines ${[...TEMPLATE_VARIABLES].join(', ')})` };
    }
  }
  // A bare word that is not a keyword, a field (.x) or a variable ($x) is a function call.
  for (const m of code.matchAll(/(^|[^\w.$])([A-Za-z_]\w*)/g)) {
    const word = m[2];
    if (!KEYWORDS.has(word) && !TEMPLATE_FUNCTIONS.has(word)) {
      return { problem: `calls the undefined template function "${word}" in {{ ${action} }}`, fix: `use ${nearest(word, [...TEMPLATE_FUNCTIONS])}` };
    }
  }
  return undefined;
}

/** Fails with `<path>: <what> "<text>" ... Fix: ...` unless `template` parses as a Prometheus Go template. */
export function validateGoTemplate(scope: IConstruct, what: string, template: string): void {
  const p = checkGoTemplate(template);
  if (p) { fail(scope, `${what} "${template}" ${p.problem}`, p.fix); }
}

/**
 * The metric names an expression reads (its selectors' names), sorted: what a test must
 * leave out to see the expression with no data at all.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.name === 'VectorSelector') {
      const id = cursor.node.getChild('Identifier');
      if (id) { names.add(expr.slice(id.from, id.to)); }
    }
  } while (cursor.next());
  return [...names].sort(byCodeUnit);
}
