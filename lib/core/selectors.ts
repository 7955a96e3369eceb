/** Labels or a label selector's matchLabels. */
export type Labels = Readonly<Record<string, string>>;

/** True when `selector` is non-empty and every pair of it is in `labels`. */
export function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector || !labels) { return false; }
  let any = false;
  for (const k in selector) {
    if (labels[k] !== selector[k]) { return false; }
    any = true;
  }
  return any;
}

const pair = (k: string, v: string) => `${k}\u0000${v}`;

/**
 * Items by their labels, to find those a selector matches without scanning them all:
 * candidates come from the selector's rarest label pair. Keeps checks over thousands of
 * objects linear.
 */
export class LabelIndex<T> {
  private readonly byPair = new Map<string, T[]>();

  constructor(items: Iterable<T>, private readonly labelsOf: (item: T) => Labels | undefined) {
    for (const item of items) {
      for (const [k, v] of Object.entries(labelsOf(item) ?? {})) {
        const key = pair(k, v);
        const bucket = this.byPair.get(key);
        if (bucket) { bucket.push(item); } else { this.byPair.set(key, [item]); }
      }
    }
  }

  /** The items whose labels `selector` matches (none for an empty selector). */
  public select(selector: Labels | undefined): T[] {
    let smallest: T[] | undefined;
    for (const [k, v] of Object.entries(selector ?? {})) {
      const bucket = this.byPair.get(pair(k, v)) ?? [];
      if (!smallest || bucket.length < smallest.length) { smallest = bucket; }
    }
    return (smallest ?? []).filter(item => selects(selector, this.labelsOf(item)));
  }
}

/** Items by their selectors, to find those whose selector matches a set of labels. */
export class SelectorIndex<T> {
  private readonly byFirstPair = new Map<string, T[]>();

  constructor(items: Iterable<T>, private readonly selectorOf: (item: T) => Labels | undefined) {
    for (const item of items) {
      const first = Object.entries(selectorOf(item) ?? {})[0];
      if (!first) { continue; } // an empty selector matches nothing here
      const key = pair(first[0], first[1]);
      const bucket = this.byFirstPair.get(key);
      if (bucket) { bucket.push(item); } else { this.byFirstPair.set(key, [item]); }
    }
  }

  /** The items whose selector matches `labels`. */
  public matching(labels: Labels | undefined): T[] {
    const out: T[] = [];
    for (const [k, v] of Object.entries(labels ?? {})) {
      for (const item of this.byFirstPair.get(pair(k, v)) ?? []) {
        if (selects(this.selectorOf(item), labels)) { out.push(item); }
      }
    }
    return out;
  }
}
