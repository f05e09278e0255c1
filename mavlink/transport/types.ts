import type { Result } from '../../common/result.js';

/**
 * A byte transport named by a MAVSDK-style URL. Transports move bytes; framing, sequence numbers and
 * signing live above them in MavLinkConnection. A transport never throws on I/O trouble: it reports a
 * status and, for TCP client and serial, reconnects with backoff on the injected Clock.
 */
export type TransportKind = 'udpin' | 'udpout' | 'tcpin' | 'tcpout' | 'serial' | 'memory';

/** One remote end: "udp:127.0.0.1:14550", "tcp:127.0.0.1:53412", "serial:/dev/ttyUSB0", "memory:a". */
export type PeerId = string;

export type TransportStatus =
  | { state: 'opening' }
  | { state: 'open' }
  | { state: 'connected'; peer: PeerId }
  | { state: 'disconnected'; peer?: PeerId; reason: string }
  | { state: 'reconnecting'; inMs: number; attempt: number; reason: string }
  | { state: 'closed' }
  | { state: 'error'; reason: string };

export interface TransportEvents {
  /**
   * Bytes from a peer. `datagram` is true when the chunk is one whole UDP datagram: the parser must treat it
   * on its own (a truncated frame at its end must not swallow the next datagram).
   */
  onData(bytes: Uint8Array, peer: PeerId, datagram: boolean): void;
  onStatus(status: TransportStatus): void;
}

export interface Transport {
  readonly url: string;
  readonly kind: TransportKind;
  /** Start listening/connecting. Resolves with an error value (never rejects) for a port in use, a missing device, … */
  open(events: TransportEvents): Promise<Result<void>>;
  /**
   * Send bytes. With a peer: to that peer only (a UDP reply goes to the peer's own address and port).
   * Without: to every current peer (udpin: every peer heard from; tcpin: every client; udpout/tcpout/serial: the one peer).
   * Returns false when there is nowhere to send (not connected yet); never throws.
   */
  send(bytes: Uint8Array, peer?: PeerId): boolean;
  close(): Promise<void>;
  /** Peers currently known (heard from, or connected). */
  peers(): PeerId[];
}
