import { IConstruct } from 'constructs';
import { fail } from './errors';
import { isDnsLabel } from './names';

/** Named container ports are IANA_SVC_NAMEs: at most 15 characters and at least one letter. */
export function checkPortName(scope: IConstruct, value: string): void {
  if (!isDnsLabel(value, 15) || !/[a-z]/.test(value)) {
    fail(scope, `port name "${value}" is not a valid port name`,
      'use at most 15 lowercase letters, digits and \'-\', with at least one letter (e.g. "http", "metrics")');
  }
}

export function checkPort(scope: IConstruct, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(scope, `${what} ${value} is outside 1-65535`, 'use a whole port number between 1 and 65535');
  }
}

/** The protocols a container port, Service port or NetworkPolicy port may use. */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = typeof PROTOCOLS[number];

/** Refuses a protocol the API server does not know (it is case-sensitive: "tcp" is refused). */
export function checkProtocol(scope: IConstruct, what: string, value: string | undefined): void {
  if (value !== undefined && !(PROTOCOLS as readonly string[]).includes(value)) {
    fail(scope, `${what} protocol "${value}" is not one of ${PROTOCOLS.join(', ')}`,
      `write it in capitals, e.g. "${String(value).toUpperCase() === 'UDP' ? 'UDP' : 'TCP'}"`);
  }
}

/**
 * Refuses two ports with the same number and protocol: the API server refuses duplicate
 * Service ports, and warns about duplicate container ports. The same number over TCP and
 * UDP (DNS, QUIC) is two ports, and is accepted.
 */
export function checkUniquePorts(
  scope: IConstruct, what: string, ports: ReadonlyArray<{ readonly name?: string; readonly port: number; readonly protocol?: string }>,
): void {
  const seen = new Map<string, string | undefined>();
  for (const p of ports) {
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (seen.has(key)) {
      const names = [seen.get(key), p.name].filter(Boolean).map(n => `"${n}"`).join(' and ');
      fail(scope, `${what} ${key} is declared twice${names ? ` (${names})` : ''}`,
        `give each ${what} its own number, or a different protocol`);
    }
    seen.set(key, p.name);
  }
}
