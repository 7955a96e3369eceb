import { ItemKey, ListIdentity, listIdentity } from './list-keys';

/**
 * One changed field of an object: its path and the values before and after (undefined when
 * the field or list item is absent on that side). List items are named by their merge key
 * where the list has one (`spec.template.spec.containers[api].env[PORT].value`), by
 * position otherwise (`spec.template.spec.containers[api].args[2]`).
 */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The fields that differ between two objects, e.g. `spec.selector.color: blue → green`.
 * Lists are compared item by item as the API server merges them (see list-keys.ts): an
 * inserted item is one added item, not a shift of every item after it. The kind is read
 * from the objects' `kind`.
 */
export function diffObjects(before: unknown, after: unknown): FieldChange[] {
  const kind = [after, before].map(o => (isObject(o) && typeof o.kind === 'string' ? o.kind : undefined)).find(Boolean);
  return walk(before, after, '', '', kind);
}

function walk(before: unknown, after: unknown, path: string, generic: string, kind: string | undefined): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    const at = (p: string, k: string) => (p ? `${p}.${k}` : k);
    return keys.flatMap(k => walk(before[k], after[k], at(path, k), at(generic, k), kind));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const items = matchItems(before, after, listIdentity(kind, generic))
      ?? Array.from({ length: Math.max(before.length, after.length) }, (_, i) => ({
        label: String(i), before: i < before.length ? i : undefined, after: i < after.length ? i : undefined,
      }));
    return items.flatMap(m => walk(
      m.before === undefined ? undefined : before[m.before],
      m.after === undefined ? undefined : after[m.after],
      `${path}[${m.label}]`, `${generic}[]`, kind));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

interface Match { readonly label: string; readonly before?: number; readonly after?: number }

/** Each side's still-unpaired items by `key`, keeping only keys that name exactly one of them. */
function uniqueKeys(items: readonly unknown[], left: ReadonlySet<number>, key: ItemKey): Map<string, number> {
  const seen = new Map<string, number>();
  const dup = new Set<string>();
  for (const i of left) {
    const k = key(items[i]);
    if (k === undefined) { continue; }
    if (seen.has(k)) { dup.add(k); } else { seen.set(k, i); }
  }
  for (const k of dup) { seen.delete(k); }
  return seen;
}

/**
 * Pairs the items of two lists by their keys, tried in order, then by similarity. Undefined (compare by
 * position) when the list has no keys or some item cannot be named uniquely by any of them.
 * Order: paired and removed items as they stood before, then added items as they stand after.
 */
function matchItems(before: readonly unknown[], after: readonly unknown[], identity: ListIdentity | undefined): Match[] | undefined {
  if (!identity) { return undefined; }
  const bLeft = new Set(before.keys());
  const aLeft = new Set(after.keys());
  const bLabel = new Map<number, string>();
  const aLabel = new Map<number, string>();
  const pairOf = new Map<number, number>();
  for (const key of identity.keys) {
    const b = uniqueKeys(before, bLeft, key);
    const a = uniqueKeys(after, aLeft, key);
    for (const [k, i] of b) {
      const j = a.get(k);
      if (j !== undefined) {
        pairOf.set(i, j);
        bLabel.set(i, k);
        bLeft.delete(i);
        aLeft.delete(j);
      }
    }
    // An unpaired item is named by the first key that names it alone.
    for (const [k, i] of b) { if (bLeft.has(i) && !bLabel.has(i)) { bLabel.set(i, k); } }
    for (const [k, j] of a) { if (aLeft.has(j) && !aLabel.has(j)) { aLabel.set(j, k); } }
  }
  const similar = identity.similar;
  if (similar) {
    const partners = (i: number) => [...aLeft].filter(j => similar(before[i], after[j]));
    for (const i of [...bLeft]) {
      const [j, ...more] = partners(i);
      if (j !== undefined && more.length === 0 && [...bLeft].filter(k => similar(before[k], after[j])).length === 1 && bLabel.has(i)) {
        pairOf.set(i, j);
        bLeft.delete(i);
        aLeft.delete(j);
      }
    }
  }
  if ([...bLeft].some(i => !bLabel.has(i)) || [...aLeft].some(j => !aLabel.has(j))) { return undefined; }
  return [
    ...[...before.keys()].map(i => ({ label: bLabel.get(i)!, before: i, after: pairOf.get(i) })),
    ...[...aLeft].map(j => ({ label: aLabel.get(j)!, after: j })),
  ];
}

/** A value for a one-line summary. */
export function show(v: unknown): string {
  return v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
}
