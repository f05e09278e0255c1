/**
 * UDP transports on node:dgram.
 *   udpin  — listen on host:port; every remote address:port heard from is a peer, replies go to that
 *            peer's own port, a send without a peer goes to all of them.
 *   udpout — send to one address:port from an ephemeral local port; only datagrams coming back from that
 *            exact address:port are accepted.
 * Every datagram is delivered on its own with datagram=true. Nothing here throws on I/O trouble.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { errorText, openError } from './errors.js';
import type { PeerId, Transport, TransportEvents, TransportKind, TransportStatus } from './types.js';
import { hostPort } from './url.js';

export interface UdpEndpoint {
  host: string;
  /** 1–65535 from a URL; 0 (udpin only) binds an ephemeral port, for tests. */
  port: number;
}

export interface UdpInOptions {
  /** Most peers remembered; the one heard from least recently is forgotten first. Default 64. */
  maxPeers?: number;
  /**
   * A peer not heard from for this long is forgotten (with a `disconnected` status naming why), so the
   * per-peer state above it (a parser, stream counters) goes too. Default 60 s; needs `clock`.
   */
  idleMs?: number;
  clock?: Clock;
}

/** What a udpin link forgets peers at: most 64, idle 60 s. */
export const UDP_MAX_PEERS = 64;
export const UDP_PEER_IDLE_MS = 60_000;

interface Remote {
  address: string;
  port: number;
  lastHeardMs?: number;
}

export function udpPeerId(address: string, port: number): PeerId {
  return `udp:${hostPort(address, port)}`;
}

function socketTypeFor(address: string): dgram.SocketType {
  return isIP(address) === 6 ? 'udp6' : 'udp4';
}

/** Bind a datagram socket; resolves with the socket or the error that stopped it. Never rejects. */
function bindSocket(type: dgram.SocketType, host: string | undefined, port: number): Promise<{ socket: dgram.Socket } | { error: unknown }> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type, reuseAddr: false });
    const onError = (e: unknown): void => {
      socket.removeListener('listening', onListening);
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve({ error: e });
    };
    const onListening = (): void => {
      socket.removeListener('error', onError);
      resolve({ socket });
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    try {
      socket.bind(port, host);
    } catch (e) {
      onError(e);
    }
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Common machinery: one socket, status reporting, and de-duplicated send-error reports. */
abstract class UdpTransport implements Transport {
  abstract readonly kind: TransportKind;
  protected socket: dgram.Socket | undefined;
  protected events: TransportEvents | undefined;
  private lastSendError: string | undefined;
  /** True from open() until close(); guards against a second open. */
  private active = false;
  /** Bumped by close(), so an open() still awaiting its bind knows it was cancelled. */
  private generation = 0;

  constructor(readonly url: string) {}

  abstract open(events: TransportEvents): Promise<Result<void>>;
  abstract send(bytes: Uint8Array, peer?: PeerId): boolean;
  abstract peers(): PeerId[];
  protected abstract forgetPeers(): void;

  /** The bound local address, once open. */
  address(): { address: string; port: number } | undefined {
    try {
      return this.socket?.address();
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    const events = this.events;
    this.generation += 1;
    this.active = false;
    this.socket = undefined;
    this.events = undefined;
    this.forgetPeers();
    if (!socket) return;
    await closeSocket(socket);
    events?.onStatus({ state: 'closed' });
  }

  /**
   * The shared open sequence: report `opening`, run `bind`, and attach the socket, or turn a failure into an
   * error value. `bind` returns the socket, or the error and what was being opened (for the message).
   */
  protected async start(
    events: TransportEvents,
    bind: () => Promise<{ socket: dgram.Socket } | { error: unknown; target: string }>,
  ): Promise<Result<void>> {
    if (this.active) return err('already_open', `${this.url}: already open`);
    this.active = true;
    const generation = this.generation;
    events.onStatus({ state: 'opening' });
    const bound = await bind();
    if (generation !== this.generation) {
      if ('socket' in bound) await closeSocket(bound.socket);
      return err('open_failed', `${this.url}: closed before it finished opening`);
    }
    if ('error' in bound) {
      this.active = false;
      const failure = openError(this.url, bound.target, bound.error);
      events.onStatus({ state: 'error', reason: failure.reason });
      return failure;
    }
    this.attach(bound.socket, events);
    events.onStatus({ state: 'open' });
    return ok(undefined);
  }

  protected status(s: TransportStatus): void {
    this.events?.onStatus(s);
  }

  private attach(socket: dgram.Socket, events: TransportEvents): void {
    this.socket = socket;
    this.events = events;
    this.lastSendError = undefined;
    socket.on('error', (e) => this.status({ state: 'error', reason: `${this.url}: ${errorText(e)}` }));
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
  }

  protected abstract receive(msg: Buffer, rinfo: dgram.RemoteInfo): void;

  /** Send one datagram to each remote. The bytes are copied, so the caller may reuse its buffer. */
  protected sendTo(bytes: Uint8Array, remotes: Remote[]): boolean {
    const socket = this.socket;
    if (!socket || remotes.length === 0) return false;
    const data = Buffer.from(bytes);
    let queued = false;
    for (const r of remotes) {
      try {
        socket.send(data, r.port, r.address, (e) => this.sendDone(e, r));
        queued = true;
      } catch (e) {
        this.sendDone(e, r); // one bad remote must not stop the others
      }
    }
    return queued;
  }

  /** Report a send failure once until sends succeed again, so a dead route does not flood the status log. */
  private sendDone(e: unknown, r: Remote): void {
    if (!e) {
      this.lastSendError = undefined;
      return;
    }
    const reason = `${this.url}: send to ${hostPort(r.address, r.port)} failed: ${errorText(e)}`;
    if (reason === this.lastSendError) return;
    this.lastSendError = reason;
    this.status({ state: 'error', reason });
  }
}

/** udpin://host:port — a listening socket; peers are whoever sends to it. */
export class UdpInTransport extends UdpTransport {
  readonly kind = 'udpin' as const;
  private readonly remotes = new Map<PeerId, Remote>();
  private readonly maxPeers: number;
  private readonly idleMs: number;
  private readonly clock: Clock | undefined;
  /** Peers forgotten so far (cap or idle), for the link's status and tests. */
  evicted = 0;

  constructor(url: string, private readonly endpoint: UdpEndpoint, opts: UdpInOptions = {}) {
    super(url);
    this.maxPeers = Math.max(1, opts.maxPeers ?? UDP_MAX_PEERS);
    this.idleMs = Math.max(1, opts.idleMs ?? UDP_PEER_IDLE_MS);
    this.clock = opts.clock;
  }

  /** Forget peers idle for longer than idleMs (the map is ordered by last heard: the stalest come first). */
  private sweep(now: number, events: TransportEvents): void {
    for (const [peer, r] of this.remotes) {
      if (r.lastHeardMs === undefined || now - r.lastHeardMs <= this.idleMs) break;
      this.remotes.delete(peer);
      this.evicted++;
      events.onStatus({ state: 'disconnected', peer, reason: `not heard from for ${Math.round(this.idleMs / 1000)} s; forgotten` });
    }
  }

  open(events: TransportEvents): Promise<Result<void>> {
    const { host, port } = this.endpoint;
    return this.start(events, async () => {
      const bound = await bindSocket(socketTypeFor(host), host, port);
      return 'socket' in bound ? bound : { error: bound.error, target: `UDP port ${port} on ${host}` };
    });
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    if (this.clock && this.events) this.sweep(this.clock.now(), this.events);
    if (peer === undefined) return this.sendTo(bytes, [...this.remotes.values()]);
    const remote = this.remotes.get(peer);
    return remote ? this.sendTo(bytes, [remote]) : false;
  }

  peers(): PeerId[] {
    return [...this.remotes.keys()];
  }

  protected forgetPeers(): void {
    this.remotes.clear();
  }

  protected receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const events = this.events;
    if (!events) return;
    const now = this.clock?.now();
    if (now !== undefined) this.sweep(now, events);
    const peer = udpPeerId(rinfo.address, rinfo.port);
    const known = this.remotes.get(peer);
    if (known) {
      known.lastHeardMs = now;
      // Keep the map ordered by last heard, so eviction drops the stalest peer.
      this.remotes.delete(peer);
      this.remotes.set(peer, known);
    } else {
      if (this.remotes.size >= this.maxPeers) {
        const stalest = this.remotes.keys().next().value;
        if (stalest !== undefined) {
          this.remotes.delete(stalest);
          this.evicted++;
          events.onStatus({ state: 'disconnected', peer: stalest, reason: `more than ${this.maxPeers} peers; forgot the one heard from least recently` });
        }
      }
      this.remotes.set(peer, { address: rinfo.address, port: rinfo.port, lastHeardMs: now });
      events.onStatus({ state: 'connected', peer });
    }
    events.onData(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), peer, true);
  }
}

/** udpout://host:port — send to one remote from an ephemeral port and accept only its replies. */
export class UdpOutTransport extends UdpTransport {
  readonly kind = 'udpout' as const;
  private remote: Remote | undefined;
  private heard = false;

  constructor(url: string, private readonly endpoint: UdpEndpoint) {
    super(url);
  }

  async open(events: TransportEvents): Promise<Result<void>> {
    const { host, port } = this.endpoint;
    let resolved: Remote | undefined;
    const result = await this.start(events, async () => {
      let address: string;
      try {
        address = isIP(host) ? host : (await lookup(host)).address;
      } catch (e) {
        return { error: e, target: `host "${host}"` };
      }
      const bound = await bindSocket(socketTypeFor(address), undefined, 0);
      if ('error' in bound) return { error: bound.error, target: 'an ephemeral UDP port' };
      resolved = { address, port };
      return bound;
    });
    if (result.ok) {
      this.remote = resolved;
      this.heard = false;
    }
    return result;
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    const remote = this.remote;
    if (!remote) return false;
    if (peer !== undefined && peer !== udpPeerId(remote.address, remote.port)) return false;
    return this.sendTo(bytes, [remote]);
  }

  /** The configured remote, from open until close (it is where every send goes). */
  peers(): PeerId[] {
    return this.remote ? [udpPeerId(this.remote.address, this.remote.port)] : [];
  }

  protected forgetPeers(): void {
    this.remote = undefined;
  }

  protected receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const events = this.events;
    const remote = this.remote;
    if (!events || !remote || rinfo.address !== remote.address || rinfo.port !== remote.port) return;
    const peer = udpPeerId(remote.address, remote.port);
    if (!this.heard) {
      this.heard = true;
      events.onStatus({ state: 'connected', peer });
    }
    events.onData(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), peer, true);
  }
}
