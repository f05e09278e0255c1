/** memoryPair on the FakeClock: latency, deterministic loss, bandwidth pacing, link cuts, lifecycle. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { memoryPair, seededRandom, type MemoryLinkOptions } from './memory.js';
import { Recorder } from './testing.js';

async function openPair(clock: FakeClock, opts?: MemoryLinkOptions) {
  const [a, b] = memoryPair(clock, opts);
  const ra = new Recorder();
  const rb = new Recorder();
  expect((await a.open(ra)).ok).toBe(true);
  expect((await b.open(rb)).ok).toBe(true);
  return { a, b, ra, rb };
}

describe('memoryPair', () => {
  it('connects two ends with peer ids and statuses', async () => {
    const clock = new FakeClock();
    const { a, b, ra, rb } = await openPair(clock);
    expect(a.kind).toBe('memory');
    expect(a.url).toBe('memory://a');
    expect(a.peers()).toEqual(['memory:b']);
    expect(b.peers()).toEqual(['memory:a']);
    expect(ra.statuses).toEqual([{ state: 'open' }, { state: 'connected', peer: 'memory:b' }]);
    expect(rb.statuses).toEqual([{ state: 'open' }, { state: 'connected', peer: 'memory:a' }]);
    expect(a.send(new Uint8Array([1]), 'memory:nobody')).toBe(false);
  });

  it('delivers asynchronously even with zero latency, in order, as datagrams', async () => {
    const clock = new FakeClock();
    const { a, b, ra, rb } = await openPair(clock);
    const buf = new Uint8Array([1, 2]);
    expect(a.send(buf)).toBe(true);
    buf.fill(0); // the link copied the bytes
    a.send(new Uint8Array([3]));
    b.send(new Uint8Array([4]), 'memory:a');
    expect(rb.data).toEqual([]); // not synchronous
    clock.advance(0);
    expect(rb.data).toEqual([
      { bytes: [1, 2], peer: 'memory:a', datagram: true },
      { bytes: [3], peer: 'memory:a', datagram: true },
    ]);
    expect(ra.data).toEqual([{ bytes: [4], peer: 'memory:b', datagram: true }]);
  });

  it('applies latency on the clock', async () => {
    const clock = new FakeClock();
    const { a, rb } = await openPair(clock, { latencyMs: 120 });
    a.send(new Uint8Array([1]));
    clock.advance(119);
    expect(rb.data).toHaveLength(0);
    clock.advance(1);
    expect(rb.bytes()).toEqual([1]);
  });

  it('honours datagram: false', async () => {
    const clock = new FakeClock();
    const { a, rb } = await openPair(clock, { datagram: false });
    a.send(new Uint8Array([1]));
    clock.advance(0);
    expect(rb.data[0]?.datagram).toBe(false);
  });

  it('paces chunks by bandwidth, one after another, then adds latency', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const [a, b] = memoryPair(clock, { bytesPerSecond: 5760, latencyMs: 10 }); // 57600 baud, 8N1
    const arrivals: number[] = [];
    await a.open(new Recorder());
    await b.open({ onData: () => arrivals.push(clock.now() - t0), onStatus: () => undefined });
    for (let i = 0; i < 3; i++) a.send(new Uint8Array(576)); // 100 ms of airtime each
    clock.advance(1000);
    expect(arrivals).toEqual([110, 210, 310]);
    // After the link has been idle, a chunk starts at once: 50 ms of airtime plus 10 ms latency.
    a.send(new Uint8Array(288));
    clock.advance(1000);
    expect(arrivals[3]).toBe(1000 + 50 + 10);
  });

  it('drops chunks deterministically: the same seed drops the same chunks', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const clock = new FakeClock();
      const { a, b, rb } = await openPair(clock, { lossRate: 0.3, seed });
      for (let i = 0; i < 200; i++) {
        a.send(new Uint8Array([i]));
        b.send(new Uint8Array([i])); // traffic the other way must not shift a→b drops
      }
      clock.advance(0);
      return rb.bytes();
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(200);
    expect(await run(7)).not.toEqual(first);

    // Same seed, no reverse traffic: the a→b drops are unchanged.
    const clock = new FakeClock();
    const { a, rb } = await openPair(clock, { lossRate: 0.3, seed: 42 });
    for (let i = 0; i < 200; i++) a.send(new Uint8Array([i]));
    clock.advance(0);
    expect(rb.bytes()).toEqual(first);
  });

  it('lossRate 1 drops everything, 0 nothing', async () => {
    const clock = new FakeClock();
    const all = await openPair(clock, { lossRate: 1 });
    const none = await openPair(clock, { lossRate: 0 });
    for (let i = 0; i < 50; i++) {
      all.a.send(new Uint8Array([i]));
      none.a.send(new Uint8Array([i]));
    }
    clock.advance(0);
    expect(all.rb.data).toHaveLength(0);
    expect(none.rb.data).toHaveLength(50);
  });

  it('setDown cuts the link (in-flight chunks too) and setDown(false) restores it', async () => {
    const clock = new FakeClock();
    const { a, b, ra, rb } = await openPair(clock, { latencyMs: 50 });
    a.send(new Uint8Array([1])); // in flight when the link is cut
    clock.advance(10);
    a.setDown(true);
    expect(a.isDown()).toBe(true);
    expect(a.send(new Uint8Array([2]))).toBe(true); // like a radio: the sender cannot tell
    b.send(new Uint8Array([3]));
    clock.advance(200);
    expect(rb.data).toHaveLength(0);
    expect(ra.data).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    expect(ra.states()).not.toContain('disconnected'); // silent, as a real link loss is

    a.setDown(false);
    a.send(new Uint8Array([4]));
    b.send(new Uint8Array([5]));
    clock.advance(50);
    expect(rb.bytes()).toEqual([4]);
    expect(ra.bytes()).toEqual([5]);
  });

  it('setDown can cut one direction only', async () => {
    const clock = new FakeClock();
    const { a, b, ra, rb } = await openPair(clock);
    a.setDown(true, 'send'); // uplink lost, downlink fine
    a.send(new Uint8Array([1]));
    b.send(new Uint8Array([2]));
    clock.advance(0);
    expect(rb.data).toHaveLength(0);
    expect(ra.bytes()).toEqual([2]);
    a.setDown(false, 'send');
    b.setDown(true, 'receive'); // the same direction, seen from b
    a.send(new Uint8Array([3]));
    clock.advance(0);
    expect(rb.data).toHaveLength(0);
  });

  it('close: the other end is told, sends fail, nothing is left on the clock', async () => {
    const clock = new FakeClock();
    const { a, b, ra, rb } = await openPair(clock, { latencyMs: 100 });
    a.send(new Uint8Array([1]));
    b.send(new Uint8Array([2]));
    await b.close();
    expect(rb.states().at(-1)).toBe('closed');
    expect(ra.statuses.at(-1)).toEqual({ state: 'disconnected', peer: 'memory:b', reason: 'memory://b closed' });
    expect(a.send(new Uint8Array([3]))).toBe(false);
    expect(a.peers()).toEqual([]);
    expect(b.send(new Uint8Array([3]))).toBe(false);
    await a.close();
    expect(clock.pending()).toBe(0);
    clock.advance(1000);
    expect(rb.data).toHaveLength(0);
    expect(ra.data).toHaveLength(0);
  });

  it('a second open is refused', async () => {
    const clock = new FakeClock();
    const { a } = await openPair(clock);
    const r = await a.open(new Recorder());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('already_open');
  });

  it('seededRandom is repeatable and in [0, 1)', () => {
    const x = seededRandom(123);
    const y = seededRandom(123);
    const xs = Array.from({ length: 1000 }, () => x());
    expect(Array.from({ length: 1000 }, () => y())).toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
