import { IConstruct } from 'constructs';
import { fail } from './errors';

/**
 * Refuses an Ingress path the API server refuses for Prefix and Exact paths (not absolute;
 * containing '//', '/./', '/../' or an encoded '/'; ending in '/.' or '/..'), and what
 * ingress-nginx cannot route as a plain path: whitespace, '?' or '#'.
 */
export function checkIngressPath(scope: IConstruct, what: string, path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    fail(scope, `${what} "${path}" does not start with "/"`, 'use an absolute path such as "/" or "/auth"');
  }
  const clean = '/' + path.replace(/%2f/gi, '/').split('/').filter(s => s !== '' && s !== '.' && s !== '..').join('/') + (path.endsWith('/') && path !== '/' ? '/' : '');
  for (const bad of ['//', '/./', '/../', '%2f', '%2F']) {
    if (path.includes(bad)) {
      fail(scope, `${what} "${path}" contains "${bad}"`, `write the clean path, e.g. "${clean.replace(/\/+$/, '') || '/'}"`);
    }
  }
  for (const bad of ['/.', '/..']) {
    if (path.endsWith(bad)) {
      fail(scope, `${what} "${path}" ends with "${bad}"`, `write the clean path, e.g. "${clean.replace(/\/+$/, '') || '/'}"`);
    }
  }
  if (/[\s?#]/.test(path)) {
    fail(scope, `${what} "${path}" contains whitespace, "?" or "#"`, 'route on the path only: no query, fragment or spaces');
  }
}
