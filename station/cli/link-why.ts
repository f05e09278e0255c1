/**
 * Why no vehicle was heard on a link, in words a user can act on: the CLI commands that wait for a drone
 * (`status`, and those of vehicle-session.ts) watch each link's status and, when nothing answered, say what the
 * link last reported — host name not found, connection refused, connected but silent, a serial device missing —
 * instead of only "no vehicle heard".
 */
import type { TransportStatus } from '../../mavlink/transport/types.js';
import type { Station } from '../compose.js';

export function wordLinkStatus(name: string, s: TransportStatus | undefined): string {
  if (!s || s.state === 'opening' || s.state === 'closed') return `${name}: nothing heard`;
  if (s.state === 'connected' || s.state === 'open') return `${name}: ${s.state === 'connected' ? 'connected' : 'open'}, but nothing there sent a MAVLink heartbeat (another program on that port, or the wrong baud rate / signing key?)`;
  const reason = s.reason;
  if (/ENOTFOUND|EAI_AGAIN/.test(reason)) return `${name}: host name not found (${reason})`;
  if (/ECONNREFUSED/.test(reason)) return `${name}: connection refused — nothing listens on that port (${reason})`;
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(reason)) return `${name}: host not reachable (${reason})`;
  return `${name}: ${reason}`;
}

/** Follows every link of the station; `why()` words what each one last reported. */
export function watchLinks(station: Station): { why(): string; close(): void } {
  const last = new Map<string, TransportStatus>();
  const offs = station.connections().map((c) =>
    c.onStatus((s) => {
      // "closed" comes from our own shutdown: keep what the link said before.
      if (s.state !== 'closed') last.set(c.name, s);
    }),
  );
  return {
    why: () => station.connections().map((c) => wordLinkStatus(c.name, last.get(c.name))).join('; '),
    close: () => offs.forEach((off) => off()),
  };
}
