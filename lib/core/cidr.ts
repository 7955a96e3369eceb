import { IConstruct } from 'constructs';
import { fail } from './errors';

/**
 * IPv4 CIDRs for NetworkPolicy ipBlocks, checked as the API server checks them, and a
 * little stricter where newer API servers warn (host bits set, zero-padded octets).
 */

/** A parsed IPv4 CIDR: network address as an unsigned 32-bit number and prefix length. */
export interface Cidr {
  readonly address: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; undefined when it is not an IPv4 CIDR. */
export function parseCidr(value: string): Cidr | undefined {
  const m = typeof value === 'string' ? CIDR.exec(value) : null;
  if (!m) { return undefined; }
  const octets = m.slice(1, 5);
  // "010" is octal to some parsers and decimal to others: refused as ambiguous.
  if (octets.some(o => Number(o) > 255 || (o.length > 1 && o.startsWith('0'))) || Number(m[5]) > 32
    || (m[5].length > 1 && m[5].startsWith('0'))) {
    return undefined;
  }
  const address = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  return { address, prefix: Number(m[5]) };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function format(address: number, prefix: number): string {
  return `${[24, 16, 8, 0].map(s => (address >>> s) & 255).join('.')}/${prefix}`;
}

/** True when the address has bits set beyond the prefix (10.0.0.5/24): most likely a typo. */
export function hasHostBits(cidr: Cidr): boolean {
  return ((cidr.address & mask(cidr.prefix)) >>> 0) !== cidr.address;
}

/** True when `inner` lies inside `outer` and is strictly smaller (what `except` must be). */
export function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix > outer.prefix && ((inner.address & mask(outer.prefix)) >>> 0) === outer.address;
}

/** Refuses what is not an IPv4 CIDR, or one with host bits set (10.0.0.5/24 is most likely a typo). */
export function checkCidr(scope: IConstruct, what: string, value: string): Cidr {
  const cidr = parseCidr(value);
  if (!cidr) {
    fail(scope, `${what} "${value}" is not an IPv4 CIDR`, 'write it as a.b.c.d/n with octets 0-255 and n 0-32, e.g. "10.20.0.0/24"');
  }
  const network = (cidr.address & mask(cidr.prefix)) >>> 0;
  if (network !== cidr.address) {
    fail(scope, `${what} "${value}" has host bits set`, `write the network address, "${format(network, cidr.prefix)}" (or /32 for one host)`);
  }
  return cidr;
}

/**
 * Checks an ipBlock: the CIDR, and each `except` entry a strict subset of it, as the API
 * server requires ("must be a strict subset of `cidr`").
 */
export function checkIpBlock(scope: IConstruct, cidr: string, except: readonly string[] = []): void {
  const outer = checkCidr(scope, 'egress cidr', cidr);
  for (const e of except) {
    const inner = checkCidr(scope, `egress except entry`, e);
    if (!isStrictSubset(inner, outer)) {
      fail(scope, `egress except entry "${e}" is not inside cidr "${cidr}"`,
        `list only ranges inside ${cidr} that are smaller than it, or widen the cidr`);
    }
  }
}
