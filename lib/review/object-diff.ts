/** One changed field of an object: its dotted path and the values before and after. */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The leaf fields that differ between two objects, e.g.
 * `spec.selector.color: blue → green`. Arrays are compared element by element.
 */
export function diffObjects(before: unknown, after: unknown, prefix = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap(k => diffObjects(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    return Array.from({ length: n }, (_, i) => diffObjects(before[i], after[i], `${prefix}[${i}]`)).flat();
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: prefix, before, after }];
}

/** A value for a one-line summary. */
export function show(v: unknown): string {
  return v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
}
