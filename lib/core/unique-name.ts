import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { fail } from './errors';

/**
 * Where each named construct was defined: an Error made in its constructor. V8 records the
 * frames when the Error is made but formats them only when `stack` is read, so recording costs
 * little per construct; the location is worked out only when a duplicate is reported.
 */
const definedAt = new WeakMap<IConstruct, Error>();

/**
 * The first stack frame of `trace` in the code that uses the library (lib/systems/, main.ts,
 * test/), as `file:line:column`. With source maps on (scripts/run-app.js) it is the TypeScript line.
 */
function callerLocation(trace: Error): string | undefined {
  const root = process.cwd() + path.sep;
  for (const line of (trace.stack ?? '').split('\n').slice(1)) {
    // The frame's file:line:column, made relative to the repository before it is matched, so
    // that a checkout under e.g. /ci-test/ is not taken for test/.
    const frame = /\(?([^()\s]+:\d+:\d+)\)?\s*$/.exec(line.trim())?.[1];
    const relative = frame?.startsWith(root) ? frame.slice(root.length) : frame;
    if (relative && /^(lib[\\/]systems[\\/]|test[\\/]|main\.ts:)/.test(relative)) { return relative; }
  }
  return undefined;
}

/**
 * Refuses a second service named `name` in `scope`, naming both definitions, before the
 * construct library's own "There is already a Construct with name" (which names neither).
 * Call it before `super(scope, name)`; then {@link recordDefinition} with the new construct.
 */
export function checkNameIsFree(scope: Construct, name: string, what: string): void {
  const existing = scope.node.tryFindChild(name);
  if (existing) {
    const here = callerLocation(new Error());
    const recorded = definedAt.get(existing);
    const there = recorded && callerLocation(recorded);
    fail(scope, `two ${what}s are named "${name}"${there || here ? ` (${[there && `first at ${there}`, here && `again at ${here}`].filter(Boolean).join(', ')})` : ''}`,
      `rename one of them: every service, worker, datastore and job of a system needs its own name (${existing.node.path} exists)`);
  }
}

/** Remembers where `construct` was defined, for {@link checkNameIsFree}'s message. */
export function recordDefinition(construct: IConstruct): void {
  definedAt.set(construct, new Error());
}
