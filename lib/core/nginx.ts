import { IConstruct } from 'constructs';
import { fail } from './errors';

/**
 * Refuses an nginx size (client_max_body_size and friends, set by ingress-nginx's
 * `proxy-body-size` annotation) that nginx cannot read: digits with an optional k, m or g.
 * ingress-nginx would reject the annotation or fail its config reload.
 */
export function checkNginxSize(scope: IConstruct, what: string, value: string): void {
  if (typeof value !== 'string' || !/^[0-9]+[kKmMgG]?$/.test(value)) {
    fail(scope, `${what} "${value}" is not an nginx size`, 'write digits with an optional k, m or g suffix, e.g. "10m" or "512k" ("0" means unlimited)');
  }
}
