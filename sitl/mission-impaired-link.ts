/**
 * A Transport wrapper that makes any link behave like a poor telemetry radio, on the injected clock:
 *   lossRate        chunks dropped at random (seeded; one stream per direction)
 *   latencyMs       one-way delay added to every chunk
 *   bytesPerSecond  bandwidth (57600 baud ≈ 5760 B/s): chunks are serialised one after another; what would
 *                   wait longer than `queueMs` in the radio's buffer is dropped, as a full radio buffer does
 * Used by `kongxun sim --loss 0.2 --latency 150 --baud 57600` on its TCP/UDP links (and by tests on any
 * transport). Order is kept per direction. Nothing here throws.
 */
import type { Clock } from '../common/clock.js';
import type { Result } from '../common/result.js';
import { seededRandom } from '../mavlink/transport/memory.js';
import type { PeerId, Transport, TransportEvents, TransportKind } from '../mavlink/transport/types.js';

export interface Impairment {
  lossRate?: number;
  latencyMs?: number;
  bytesPerSecond?: number;
  /** Longest wait in the radio's buffer before a chunk is dropped. Default 2000 ms. */
  queueMs?: number;
  seed?: number;
}

/** Bytes per second of a serial radio at `baud` (8N1: 10 bits per byte). */
export function baudToBytesPerSecond(baud: number): number {
  return baud / 10;
}

class Direction {
  private busyUntil = 0;
  private readonly random: () => number;
  dropped = 0;
  carried = 0;

  constructor(
    private readonly clock: Clock,
    private readonly o: Impairment,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  carry(bytes: Uint8Array, deliver: () => void): void {
    const loss = Math.min(1, Math.max(0, this.o.lossRate ?? 0));
    if (loss > 0 && this.random() < loss) {
      this.dropped++;
      return;
    }
    const now = this.clock.now();
    let at = now;
    const bps = this.o.bytesPerSecond ?? 0;
    if (bps > 0) {
      const start = Math.max(now, this.busyUntil);
      if (start - now > (this.o.queueMs ?? 2000)) {
        this.dropped++;
        return;
      }
      this.busyUntil = start + (1000 * bytes.length) / bps;
      at = this.busyUntil;
    }
    at += this.o.latencyMs ?? 0;
    this.carried++;
    if (at <= now) deliver();
    else this.clock.setTimeout(deliver, at - now);
  }
}

export class ImpairedTransport implements Transport {
  readonly url: string;
  readonly kind: TransportKind;
  private readonly out: Direction;
  private readonly in: Direction;
  private closed = false;

  constructor(
    private readonly inner: Transport,
    private readonly clock: Clock,
    readonly impairment: Impairment,
  ) {
    this.url = inner.url;
    this.kind = inner.kind;
    const seed = impairment.seed ?? 1;
    this.out = new Direction(clock, impairment, seed);
    this.in = new Direction(clock, impairment, seed + 7919);
  }

  open(events: TransportEvents): Promise<Result<void>> {
    return this.inner.open({
      onData: (bytes, peer, datagram) => {
        const copy = bytes.slice();
        this.in.carry(copy, () => {
          if (!this.closed) events.onData(copy, peer, datagram);
        });
      },
      onStatus: (s) => events.onStatus(s),
    });
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    if (this.inner.peers().length === 0) return false;
    const copy = bytes.slice();
    this.out.carry(copy, () => {
      if (!this.closed) this.inner.send(copy, peer);
    });
    return true;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }

  peers(): PeerId[] {
    return this.inner.peers();
  }

  /** Chunks dropped / carried so far, per direction. */
  stats(): { outDropped: number; outCarried: number; inDropped: number; inCarried: number } {
    return { outDropped: this.out.dropped, outCarried: this.out.carried, inDropped: this.in.dropped, inCarried: this.in.carried };
  }
}
