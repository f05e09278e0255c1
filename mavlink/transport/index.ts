/**
 * The transport layer's front door: createTransport() turns a MAVSDK-style link URL into a Transport.
 * memory:// links are not made from URLs; use memoryPair().
 */
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { BackoffOptions } from './reconnect.js';
import { SerialTransport } from './serial.js';
import { TcpInTransport, TcpOutTransport } from './tcp.js';
import type { Transport } from './types.js';
import { UdpInTransport, UdpOutTransport } from './udp.js';
import { parseLinkUrl } from './url.js';

export interface TransportOptions {
  /** Reconnect backoff for tcpout and serial. Default 250 ms doubling to 5 s. */
  backoff?: BackoffOptions;
  /** tcpout: give up on an unanswered connection attempt after this long. Default 5000 ms. */
  connectTimeoutMs?: number;
}

/** Parse `url` and build the matching transport (not yet open). A malformed URL gives an error value. */
export function createTransport(url: string, clock: Clock, opts: TransportOptions = {}): Result<Transport> {
  const parsed = parseLinkUrl(url);
  if (!parsed.ok) return parsed;
  const link = parsed.value;
  const text = url.trim();
  switch (link.kind) {
    case 'udpin':
      return ok(new UdpInTransport(text, link, { clock }));
    case 'udpout':
      return ok(new UdpOutTransport(text, link));
    case 'tcpin':
      return ok(new TcpInTransport(text, link));
    case 'tcpout':
      return ok(new TcpOutTransport(text, link, clock, { backoff: opts.backoff, connectTimeoutMs: opts.connectTimeoutMs }));
    case 'serial':
      return ok(new SerialTransport(text, link, clock, { backoff: opts.backoff }));
  }
}

export type { PeerId, Transport, TransportEvents, TransportKind, TransportStatus } from './types.js';
export { parseLinkUrl, formatLinkUrl, type LinkUrl, type LinkUrlError, type NetLinkUrl, type SerialLinkUrl } from './url.js';
export { memoryPair, type MemoryLinkOptions, type MemoryTransport, type LinkDirection } from './memory.js';
export type { BackoffOptions } from './reconnect.js';
export type { TransportErrorCode } from './errors.js';
export { UdpInTransport, UdpOutTransport } from './udp.js';
export { TcpInTransport, TcpOutTransport } from './tcp.js';
export { SerialTransport } from './serial.js';
