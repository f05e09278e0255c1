/**
 * An in-process link between two Transports, for system tests on the FakeClock. Everything is scheduled
 * on the injected Clock and decided by a seeded PRNG, so a run is exactly repeatable:
 *   latencyMs       one-way delay (default 0; delivery is still asynchronous, via clock.setTimeout(…, 0))
 *   lossRate        fraction of chunks dropped, drawn from a PRNG seeded by `seed` (one stream per direction)
 *   bytesPerSecond  bandwidth, e.g. 5760 for a 57600-baud radio: chunks are serialized, each taking
 *                   bytes/bps after the previous one finished, then latencyMs on top
 *   datagram        the flag delivered with each chunk (default true)
 * setDown(true) cuts the link like a radio going out of range: chunks in flight and sent meanwhile are lost
 * and, as with a real radio, neither end is told; setDown(false) restores it.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import type { PeerId, Transport, TransportEvents } from './types.js';

export interface MemoryLinkOptions {
  latencyMs?: number;
  /** 0..1; values outside are clamped. */
  lossRate?: number;
  /** PRNG seed for loss. Default 1. */
  seed?: number;
  /** Omit, or give 0 or less, for unlimited bandwidth. */
  bytesPerSecond?: number;
  datagram?: boolean;
  /** Names of the two ends, used in their url ("memory://a") and peer ids ("memory:a"). Default ['a', 'b']. */
  names?: [string, string];
}

/** Which traffic setDown() affects, seen from the end it is called on. */
export type LinkDirection = 'both' | 'send' | 'receive';

export interface MemoryTransport extends Transport {
  readonly kind: 'memory';
  /** Cut (true) or restore (false) the link; both directions unless told otherwise. */
  setDown(down: boolean, direction?: LinkDirection): void;
  /** Whether traffic from this end is currently cut. */
  isDown(): boolean;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LinkParams {
  latencyMs: number;
  lossRate: number;
  bytesPerSecond: number;
  datagram: boolean;
}

/** One direction of the link: its own loss stream, bandwidth queue and in-flight timers. */
class Channel {
  down = false;
  private busyUntil = 0;
  private readonly inFlight = new Set<TimerId>();
  private readonly random: () => number;

  constructor(
    private readonly clock: Clock,
    private readonly params: LinkParams,
    seed: number,
    private readonly from: MemoryEnd,
    private readonly to: MemoryEnd,
  ) {
    this.random = seededRandom(seed);
  }

  carry(bytes: Uint8Array): void {
    if (this.down) return;
    const { latencyMs, lossRate, bytesPerSecond, datagram } = this.params;
    const now = this.clock.now();
    let sentAt = now;
    if (bytesPerSecond > 0) {
      sentAt = Math.max(now, this.busyUntil) + (bytes.byteLength * 1000) / bytesPerSecond;
      this.busyUntil = sentAt;
    }
    if (lossRate > 0 && this.random() < lossRate) return; // lost, after using its airtime
    const copy = bytes.slice();
    const id = this.clock.setTimeout(() => {
      this.inFlight.delete(id);
      this.to.deliver(copy, this.from.peerId, datagram);
    }, sentAt + latencyMs - now);
    this.inFlight.add(id);
  }

  /** Drop everything in flight and forget the bandwidth backlog. */
  drop(): void {
    for (const id of this.inFlight) this.clock.clearTimeout(id);
    this.inFlight.clear();
    this.busyUntil = 0;
  }
}

class MemoryEnd implements MemoryTransport {
  readonly kind = 'memory' as const;
  readonly url: string;
  readonly peerId: PeerId;
  other!: MemoryEnd;
  outbound!: Channel;
  inbound!: Channel;
  private events: TransportEvents | undefined;

  constructor(readonly name: string) {
    this.url = `memory://${name}`;
    this.peerId = `memory:${name}`;
  }

  get isOpen(): boolean {
    return this.events !== undefined;
  }

  async open(events: TransportEvents): Promise<Result<void>> {
    if (this.events) return err('already_open', `${this.url}: already open`);
    this.events = events;
    events.onStatus({ state: 'open' });
    if (this.other.isOpen) {
      events.onStatus({ state: 'connected', peer: this.other.peerId });
      this.other.status({ state: 'connected', peer: this.peerId });
    }
    return ok(undefined);
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    if (!this.events || !this.other.isOpen) return false;
    if (peer !== undefined && peer !== this.other.peerId) return false;
    this.outbound.carry(bytes);
    return true;
  }

  peers(): PeerId[] {
    return this.events && this.other.isOpen ? [this.other.peerId] : [];
  }

  async close(): Promise<void> {
    const events = this.events;
    if (!events) return;
    this.events = undefined;
    this.inbound.drop();
    events.onStatus({ state: 'closed' });
    this.other.status({ state: 'disconnected', peer: this.peerId, reason: `${this.url} closed` });
  }

  setDown(down: boolean, direction: LinkDirection = 'both'): void {
    const channels = direction === 'send' ? [this.outbound] : direction === 'receive' ? [this.inbound] : [this.outbound, this.inbound];
    for (const c of channels) {
      if (down && !c.down) c.drop();
      c.down = down;
    }
  }

  isDown(): boolean {
    return this.outbound.down;
  }

  status(s: Parameters<TransportEvents['onStatus']>[0]): void {
    this.events?.onStatus(s);
  }

  deliver(bytes: Uint8Array, from: PeerId, datagram: boolean): void {
    this.events?.onData(bytes, from, datagram);
  }
}

function finiteOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

/** Two connected memory transports. Out-of-range options are clamped (negative latency → 0, loss to 0..1). */
export function memoryPair(clock: Clock, opts: MemoryLinkOptions = {}): [MemoryTransport, MemoryTransport] {
  const params: LinkParams = {
    latencyMs: Math.max(0, finiteOr(opts.latencyMs, 0)),
    lossRate: Math.min(1, Math.max(0, finiteOr(opts.lossRate, 0))),
    bytesPerSecond: Math.max(0, finiteOr(opts.bytesPerSecond, 0)),
    datagram: opts.datagram ?? true,
  };
  const seed = Math.trunc(finiteOr(opts.seed, 1));
  const [nameA, nameB] = opts.names ?? ['a', 'b'];
  const a = new MemoryEnd(nameA);
  const b = new MemoryEnd(nameB);
  const ab = new Channel(clock, params, seed, a, b);
  // The reverse direction gets its own stream, so traffic one way never shifts the drops the other way.
  const ba = new Channel(clock, params, Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ 0x9e3779b9, b, a);
  a.other = b;
  b.other = a;
  a.outbound = ab;
  a.inbound = ba;
  b.outbound = ba;
  b.inbound = ab;
  return [a, b];
}
