/**
 * Test helpers for the transport tests: an event recorder and a bounded wait on the real clock.
 * Not used by production code.
 */
import { SystemClock } from '../../common/clock.js';
import type { PeerId, TransportEvents, TransportStatus } from './types.js';

export interface Received {
  bytes: number[];
  peer: PeerId;
  datagram: boolean;
}

/** Records everything a transport reports. */
export class Recorder implements TransportEvents {
  readonly data: Received[] = [];
  readonly statuses: TransportStatus[] = [];

  onData = (bytes: Uint8Array, peer: PeerId, datagram: boolean): void => {
    this.data.push({ bytes: [...bytes], peer, datagram });
  };

  onStatus = (status: TransportStatus): void => {
    this.statuses.push(status);
  };

  /** All bytes received (optionally from one peer), concatenated: for stream transports that re-chunk. */
  bytes(peer?: PeerId): number[] {
    return this.data.filter((d) => peer === undefined || d.peer === peer).flatMap((d) => d.bytes);
  }

  count(state: TransportStatus['state']): number {
    return this.statuses.filter((s) => s.state === state).length;
  }

  states(): string[] {
    return this.statuses.map((s) => s.state);
  }
}

const clock = new SystemClock();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Poll `done` every few milliseconds until it holds. Bounded: after `maxMs` it rejects naming what it was
 * waiting for. The bound is a hang guard for broken code, not a performance threshold, so it is generous.
 */
export async function waitFor(done: () => boolean, what: string, maxMs = 15_000): Promise<void> {
  const stepMs = 5;
  for (let waited = 0; !done(); waited += stepMs) {
    if (waited >= maxMs) throw new Error(`gave up after ${maxMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}
