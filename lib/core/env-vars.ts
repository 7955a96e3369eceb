import { IConstruct } from 'constructs';
import { fail } from './errors';

// Kubernetes 1.27's IsEnvVarName: letters, digits, '_', '-' and '.', not starting with a digit.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** True when Kubernetes 1.27 accepts `name` as an environment variable name. */
export function isEnvVarName(name: string): boolean {
  return typeof name === 'string' && ENV_VAR_NAME.test(name);
}

/**
 * Refuses an environment variable name the API server refuses (`1WORKERS`, `LOG LEVEL`).
 * `context` says where the name came from when it is not written as one, e.g. a ConfigMap key.
 */
export function checkEnvVarName(scope: IConstruct, name: string, context?: string): void {
  if (!isEnvVarName(name)) {
    const why = name === '' ? 'is empty' : /^[0-9]/.test(name) ? 'starts with a digit'
      : /\s/.test(name) ? 'contains whitespace' : 'contains characters other than letters, digits, \'_\', \'-\' and \'.\'';
    const suggestion = String(name).trim().replace(/[^-._a-zA-Z0-9]+/g, '_').replace(/^([0-9])/, '_$1');
    fail(scope, `environment variable name "${name}"${context ? ` (${context})` : ''} ${why}`,
      `use letters, digits and '_' (also '-' or '.'), not starting with a digit, e.g. "${suggestion || 'NAME'}"`);
  }
}
