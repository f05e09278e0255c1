/**
 * TCP transports on node:net, with TCP_NODELAY so small MAVLink frames are not held back by Nagle.
 *   tcpout — client. Connects, and when the connection is refused, times out, errors or drops, retries
 *            with exponential backoff on the injected Clock, reporting `reconnecting`. open() resolves ok
 *            at once: a client started before its server keeps trying until the server comes up.
 *   tcpin  — server. Many clients, one peer id per client; a send without a peer goes to every client.
 * Every socket has an 'error' listener, so a refused or reset connection never crashes the process.
 */
import net from 'node:net';
import type { Clock, TimerId } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { errorText, openError } from './errors.js';
import { Reconnector, type BackoffOptions } from './reconnect.js';
import type { PeerId, Transport, TransportEvents } from './types.js';
import { hostPort } from './url.js';

export interface TcpEndpoint {
  host: string;
  /** 1–65535 from a URL; 0 (tcpin only) listens on an ephemeral port, for tests. */
  port: number;
}

/** Bytes allowed to queue in a socket before sends are refused (a stalled peer must not eat memory). */
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;

export interface TcpOutOptions {
  backoff?: BackoffOptions;
  /** Give up on a connection attempt that gets no answer after this long, then back off. Default 5000 ms. */
  connectTimeoutMs?: number;
  maxBufferedBytes?: number;
}

export interface TcpInOptions {
  /** Most simultaneous clients; further connections are refused by the OS. Default 32. */
  maxClients?: number;
  maxBufferedBytes?: number;
}

export function tcpPeerId(address: string, port: number): PeerId {
  return `tcp:${hostPort(address, port)}`;
}

function view(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Queue bytes on a socket unless it is gone or already holding too much. The bytes are copied. */
function writeTo(socket: net.Socket, bytes: Uint8Array, maxBuffered: number): boolean {
  if (socket.destroyed || !socket.writable || socket.writableLength > maxBuffered) return false;
  socket.write(Buffer.from(bytes));
  return true;
}

function destroyAndWait(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) {
      resolve();
      return;
    }
    socket.once('close', () => resolve());
    socket.destroy();
  });
}

/** tcpout://host:port — a client that keeps itself connected. */
export class TcpOutTransport implements Transport {
  readonly kind = 'tcpout' as const;
  private readonly peer: PeerId;
  private readonly reconnector: Reconnector;
  private readonly connectTimeoutMs: number;
  private readonly maxBuffered: number;
  private events: TransportEvents | undefined;
  private socket: net.Socket | undefined;
  private connected = false;
  private connectTimer: TimerId | undefined;

  constructor(
    readonly url: string,
    private readonly endpoint: TcpEndpoint,
    private readonly clock: Clock,
    opts: TcpOutOptions = {},
  ) {
    this.peer = tcpPeerId(endpoint.host, endpoint.port);
    this.connectTimeoutMs = Math.max(1, opts.connectTimeoutMs ?? 5000);
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.reconnector = new Reconnector(clock, opts.backoff, () => this.connect(), (s) => this.events?.onStatus(s));
  }

  /** Starts connecting and resolves ok; connection trouble is reported as statuses and retried. */
  async open(events: TransportEvents): Promise<Result<void>> {
    if (this.events) return err('already_open', `${this.url}: already open`);
    this.events = events;
    events.onStatus({ state: 'opening' });
    this.connect();
    return ok(undefined);
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    const socket = this.socket;
    if (!socket || !this.connected || (peer !== undefined && peer !== this.peer)) return false;
    return writeTo(socket, bytes, this.maxBuffered);
  }

  peers(): PeerId[] {
    return this.connected ? [this.peer] : [];
  }

  async close(): Promise<void> {
    const events = this.events;
    const socket = this.socket;
    this.events = undefined;
    this.socket = undefined;
    this.connected = false;
    this.reconnector.stop();
    this.clearConnectTimer();
    if (socket) await destroyAndWait(socket);
    events?.onStatus({ state: 'closed' });
  }

  private connect(): void {
    if (!this.events || this.socket) return;
    const { host, port } = this.endpoint;
    let socket: net.Socket;
    try {
      socket = net.createConnection({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 2000 });
    } catch (e) {
      this.reconnector.schedule(`${hostPort(host, port)}: ${errorText(e)}`); // bad options; keep reporting it
      return;
    }
    this.socket = socket;
    let lastError: unknown;
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = undefined;
      socket.destroy(new Error(`no answer from ${hostPort(host, port)} within ${this.connectTimeoutMs} ms`));
    }, this.connectTimeoutMs);

    socket.once('connect', () => {
      if (socket !== this.socket) return;
      this.clearConnectTimer();
      if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
        // TCP simultaneous open: with no server on a local port in the ephemeral range, the kernel can pick
        // that same port as our source and connect the socket to itself. We would hear our own bytes.
        socket.destroy(new Error('connected to itself (no server on that port)'));
        return;
      }
      this.connected = true;
      this.reconnector.succeeded();
      this.events?.onStatus({ state: 'connected', peer: this.peer });
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.events?.onData(view(chunk), this.peer, false);
    });
    socket.on('error', (e) => {
      lastError = e;
    });
    socket.on('close', () => {
      if (socket !== this.socket) return; // closed by close(), or a stale attempt
      this.clearConnectTimer();
      this.socket = undefined;
      const wasConnected = this.connected;
      this.connected = false;
      if (!this.events) return;
      const reason = lastError !== undefined ? errorText(lastError) : 'connection closed by the other end';
      if (wasConnected) this.events.onStatus({ state: 'disconnected', peer: this.peer, reason });
      this.reconnector.schedule(`${hostPort(host, port)}: ${reason}`);
    });
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) this.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }
}

/** tcpin://host:port — a server for many clients. */
export class TcpInTransport implements Transport {
  readonly kind = 'tcpin' as const;
  private readonly clients = new Map<PeerId, net.Socket>();
  private readonly maxClients: number;
  private readonly maxBuffered: number;
  private server: net.Server | undefined;
  private events: TransportEvents | undefined;
  private opening = false;
  /** Bumped by close(), so an open() still waiting for 'listening' knows it was cancelled. */
  private generation = 0;

  constructor(
    readonly url: string,
    private readonly endpoint: TcpEndpoint,
    opts: TcpInOptions = {},
  ) {
    this.maxClients = Math.max(1, opts.maxClients ?? 32);
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  async open(events: TransportEvents): Promise<Result<void>> {
    if (this.server || this.opening) return err('already_open', `${this.url}: already open`);
    this.opening = true;
    const generation = this.generation;
    events.onStatus({ state: 'opening' });
    const { host, port } = this.endpoint;
    const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 2000 });
    server.maxConnections = this.maxClients;
    const listened = await new Promise<unknown>((resolve) => {
      const onError = (e: unknown): void => {
        server.removeListener('listening', onListening);
        resolve(e);
      };
      const onListening = (): void => {
        server.removeListener('error', onError);
        resolve(undefined);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      try {
        server.listen({ host, port, exclusive: true });
      } catch (e) {
        onError(e);
      }
    });
    this.opening = false;
    if (generation !== this.generation) {
      server.close();
      return err('open_failed', `${this.url}: closed before it finished opening`);
    }
    if (listened !== undefined) {
      server.close();
      const failure = openError(this.url, `TCP port ${port} on ${host}`, listened);
      events.onStatus({ state: 'error', reason: failure.reason });
      return failure;
    }
    this.server = server;
    this.events = events;
    server.on('error', (e) => this.events?.onStatus({ state: 'error', reason: `${this.url}: ${errorText(e)}` }));
    server.on('connection', (socket) => this.accept(socket));
    events.onStatus({ state: 'open' });
    return ok(undefined);
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    if (peer !== undefined) {
      const socket = this.clients.get(peer);
      return socket ? writeTo(socket, bytes, this.maxBuffered) : false;
    }
    let sent = false;
    for (const socket of this.clients.values()) sent = writeTo(socket, bytes, this.maxBuffered) || sent;
    return sent;
  }

  peers(): PeerId[] {
    return [...this.clients.keys()];
  }

  /** The bound local address, once open. */
  address(): { address: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { address: a.address, port: a.port } : undefined;
  }

  async close(): Promise<void> {
    const server = this.server;
    const events = this.events;
    this.generation += 1;
    this.opening = false;
    this.server = undefined;
    this.events = undefined;
    const sockets = [...this.clients.values()];
    this.clients.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(sockets.map(destroyAndWait));
    await closed;
    events?.onStatus({ state: 'closed' });
  }

  private accept(socket: net.Socket): void {
    // An 'error' listener must exist before anything else, so a reset client never throws; the error is
    // reported with the 'disconnected' status when the socket closes.
    let lastError: unknown;
    socket.on('error', (e) => {
      lastError = e;
    });
    const { remoteAddress, remotePort } = socket;
    if (!this.events || remoteAddress === undefined || remotePort === undefined) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const peer = tcpPeerId(remoteAddress, remotePort);
    this.clients.set(peer, socket);
    socket.on('data', (chunk: Buffer) => this.events?.onData(view(chunk), peer, false));
    socket.on('close', () => {
      if (this.clients.get(peer) !== socket) return; // closed by close()
      this.clients.delete(peer);
      const reason = lastError !== undefined ? errorText(lastError) : 'client disconnected';
      this.events?.onStatus({ state: 'disconnected', peer, reason });
    });
    this.events.onStatus({ state: 'connected', peer });
  }
}
