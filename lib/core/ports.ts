import { IConstruct } from 'constructs';
import { fail } from './errors';

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
