import { IConstruct } from 'constructs';

/**
 * A mistake in a construct's input, found while the construct is built —
 * before anything is written to dist/.
 *
 * The message always names where (the construct path), what (the bad value)
 * and how to fix it, because the person reading it is usually a reviewer
 * looking at a red CI run, not the author of the construct.
 */
export class ConfigurationError extends Error {
  constructor(
    /** Construct path of the offending construct, e.g. `production-novacron/api-server`. */
    public readonly constructPath: string,
    /** What is wrong, including the bad value. */
    public readonly problem: string,
    /** What to change. */
    public readonly fix: string,
  ) {
    super(`${constructPath}: ${problem}. Fix: ${fix}`);
    this.name = 'ConfigurationError';
  }
}

/** Throws a {@link ConfigurationError} for `scope`. */
export function fail(scope: IConstruct, problem: string, fix: string): never {
  throw new ConfigurationError(scope.node.path, problem, fix);
}
