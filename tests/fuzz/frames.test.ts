/**
 * Seeded fuzz of FrameParser: one million random and mutated "frames" (random bytes, bit flips, truncations,
 * splices of two frames, console text, and intact real frames) in batches, fed with random chunking as a
 * stream or whole as one datagram.
 *
 * Properties checked for every batch:
 *  - the parser never throws;
 *  - every intact frame placed in the input is returned, at its place — unless a frame that garbage happened to
 *    form (a 16-bit CRC passes by chance 1 in 65 536) overlaps it; such chance frames are the only extra output
 *    allowed, and each must itself be a well-formed frame: a known id whose CRC checks (verified here with
 *    node-mavlink's CRC and CRC_EXTRA table, not ours), or an unknown id;
 *  - byte accounting: garbage bytes + bytes of returned frames = bytes pushed.
 *
 * Chance frames are common here by design: a bit flip in a real frame's message id makes an unknown id, which
 * cannot be checked and passes through when a start byte follows; a flip in a signature is not covered by the
 * CRC. Those are whole frames in the input, and the test checks that they hide no intact frame.
 *
 * Reproduce a failure with FUZZ_SEED=<seed> (printed on failure); FUZZ_ITEMS scales the run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MSG_ID_MAGIC_NUMBER, x25crc } from 'node-mavlink';
import { FrameParser, encodeV1, encodeV2, type MavFrame } from '../../mavlink/codec/frame.js';
import { REGISTRY, baseLength, decodePayload, encodePayload } from '../../mavlink/codec/messages.js';
import { signFrame } from '../../mavlink/codec/signing.js';
import { seededRandom } from '../../mavlink/transport/memory.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2026);
const ITEMS = Number(process.env.FUZZ_ITEMS ?? 1_000_000);
const BATCH = 400;

/** mulberry32 (the memory transport's): small, fast, seedable. */
function prng(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    byte: () => Math.floor(next() * 256),
  };
}

/** The pool of valid frames: every real frame of the flight capture, plus v1 and signed re-encodings. */
function buildPool(): Uint8Array[] {
  const tlog = new Uint8Array(readFileSync(new URL('../fixtures/copter-mission-flight.tlog', import.meta.url)));
  const pool: Uint8Array[] = [];
  let o = 0;
  while (o < tlog.length) {
    const total = 10 + tlog[o + 9]! + 2 + (tlog[o + 10]! & 1 ? 13 : 0);
    pool.push(tlog.slice(o + 8, o + 8 + total));
    o += 8 + total;
  }
  const key = new Uint8Array(32).fill(0x42);
  const extra: Uint8Array[] = [];
  for (let k = 0; k < pool.length; k += 97) {
    const f = pool[k]!;
    const msgid = f[7]! | (f[8]! << 8) | (f[9]! << 16);
    const msg = decodePayload(msgid, f.subarray(10, 10 + f[1]!))!;
    const { crcExtra, payload } = encodePayload(msg);
    if (msgid < 256) extra.push(encodeV1({ seq: k & 0xff, sysid: 1, compid: 1 }, msgid, crcExtra, payload.subarray(0, baseLength(REGISTRY.get(msgid)!))));
    const s = encodeV2({ seq: k & 0xff, sysid: 255, compid: 190 }, msgid, crcExtra, payload, true);
    signFrame(s, key, 1, 37532663099564 + k);
    extra.push(s);
  }
  return pool.concat(extra);
}

interface Placed {
  offset: number;
  bytes: Uint8Array;
}

const TEXT = new TextEncoder().encode('\n\nInit ArduCopter V4.7.0-dev (90700977)\nFree RAM: 524288\nInit Gyro*\n0 0 0 ');

/** Independent check of a returned frame: node-mavlink's CRC with its CRC_EXTRA table. */
function wellFormed(f: MavFrame): boolean {
  if (!f.known) return true;
  const magic = (MSG_ID_MAGIC_NUMBER as Record<number, number>)[f.msgid];
  if (magic === undefined) return false;
  const sig = f.signature ? 13 : 0;
  const buf = Buffer.from(f.raw.buffer, f.raw.byteOffset, f.raw.byteLength);
  const wire = buf.readUInt16LE(buf.length - sig - 2);
  return x25crc(buf, 1, sig + 2, magic) === wire;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('FrameParser fuzz', () => {
  it(`${ITEMS.toLocaleString('en')} random and mutated frames: never throws, every intact frame recovered`, () => {
    const pool = buildPool();
    const rnd = prng(SEED);
    const pick = () => pool[rnd.int(pool.length)]!;
    const chanceKinds = new Map<string, number>();
    const totals = { items: 0, intact: 0, recovered: 0, chanceFrames: 0, hiddenByChance: 0, batches: 0, bytes: 0, datagramBatches: 0 };

    while (totals.items < ITEMS) {
      const batchSeed = rnd.int(2 ** 31);
      const r = prng(batchSeed);
      const parts: Uint8Array[] = [];
      const placed: Placed[] = [];
      let size = 0;
      const add = (b: Uint8Array, intact = false) => {
        if (intact) placed.push({ offset: size, bytes: b });
        parts.push(b);
        size += b.length;
      };
      const n = Math.min(BATCH, ITEMS - totals.items);
      for (let k = 0; k < n; k++) {
        const kind = r.next();
        if (kind < 0.35) {
          add(pool[r.int(pool.length)]!, true);
        } else if (kind < 0.5) {
          // random bytes, sometimes with a start byte forced in
          const g = new Uint8Array(1 + r.int(48));
          for (let j = 0; j < g.length; j++) g[j] = r.byte();
          if (r.next() < 0.4) g[r.int(g.length)] = r.next() < 0.5 ? 0xfd : 0xfe;
          add(g);
        } else if (kind < 0.65) {
          // bit flips in a real frame (anywhere: start byte, length, flags, id, payload, CRC, signature)
          const f = pick().slice();
          const flips = 1 + r.int(3);
          for (let j = 0; j < flips; j++) f[r.int(f.length)] = f[r.int(f.length)]! ^ (1 << r.int(8));
          add(f);
        } else if (kind < 0.8) {
          // truncation
          const f = pick();
          add(f.subarray(0, 1 + r.int(f.length - 1)));
        } else if (kind < 0.92) {
          // splice: the head of one frame, the tail of another
          const a = pick();
          const b = pick();
          const head = a.subarray(0, 1 + r.int(a.length - 1));
          const tail = b.subarray(1 + r.int(b.length - 1));
          add(concat([head, tail], head.length + tail.length));
        } else if (kind < 0.96) {
          const from = r.int(TEXT.length);
          add(TEXT.subarray(from, from + 1 + r.int(TEXT.length - from)));
        } else {
          // a lone plausible header with nothing after it
          const h = new Uint8Array(10);
          for (let j = 0; j < 10; j++) h[j] = r.byte();
          h[0] = 0xfd;
          h[2] = r.int(2);
          add(h);
        }
      }
      const asDatagram = r.next() < 0.2;
      if (!asDatagram) add(new Uint8Array(300)); // lets a start byte still waiting for bytes settle
      const input = concat(parts, size);

      const parser = new FrameParser();
      const out: MavFrame[] = [];
      try {
        if (asDatagram) parser.pushDatagram(input, out);
        else {
          for (let o = 0; o < input.length; ) {
            const len = r.next() < 0.3 ? 1 + r.int(16) : 1 + r.int(4096);
            parser.push(input.subarray(o, o + len), out);
            o += len;
          }
        }
      } catch (e) {
        throw new Error(`parser threw (FUZZ_SEED=${SEED}, batch seed ${batchSeed}): ${String(e)}`);
      }

      // Place every returned frame in the input (they come back in order, without overlap).
      const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      const expectedAt = new Map(placed.map((p) => [p.offset, p]));
      const spurious: { offset: number; length: number; frame: MavFrame }[] = [];
      const found = new Set<number>();
      let cursor = 0;
      let framed = 0;
      for (const f of out) {
        const at = buf.indexOf(Buffer.from(f.raw.buffer, f.raw.byteOffset, f.raw.byteLength), cursor);
        if (at < 0) throw new Error(`returned frame not in the input (batch seed ${batchSeed})`);
        cursor = at + f.raw.length;
        framed += f.raw.length;
        if (expectedAt.has(at) && expectedAt.get(at)!.bytes.length === f.raw.length) found.add(at);
        else {
          if (!wellFormed(f)) throw new Error(`returned a malformed frame at ${at} (batch seed ${batchSeed})`);
          spurious.push({ offset: at, length: f.raw.length, frame: f });
          const kind = `${f.known ? 'known' : 'unknown'} v${f.version}${f.signature ? ' signed' : ''}`;
          chanceKinds.set(kind, (chanceKinds.get(kind) ?? 0) + 1);
        }
      }
      for (const p of placed) {
        if (found.has(p.offset)) continue;
        const hidden = spurious.some((s) => s.offset < p.offset + p.bytes.length && p.offset < s.offset + s.length);
        if (!hidden) {
          throw new Error(
            `intact frame at ${p.offset} (${Buffer.from(p.bytes).toString('hex')}) not recovered ` +
              `(FUZZ_SEED=${SEED}, batch seed ${batchSeed}, ${asDatagram ? 'datagram' : 'stream'})`,
          );
        }
        totals.hiddenByChance++;
        if (process.env.FUZZ_DEBUG) {
          const by = spurious.find((s) => s.offset < p.offset + p.bytes.length && p.offset < s.offset + s.length)!;
          const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
          console.log(`hidden: ${h(p.bytes)} at ${p.offset}, by ${h(by.frame.raw)} at ${by.offset} (${asDatagram ? 'datagram' : 'stream'})`);
        }
      }
      expect(parser.stats.garbageBytes + framed).toBe(input.length);
      expect(parser.stats.bytes).toBe(input.length);

      totals.items += n;
      totals.batches++;
      totals.bytes += input.length;
      totals.intact += placed.length;
      totals.recovered += found.size;
      totals.chanceFrames += spurious.length;
      if (asDatagram) totals.datagramBatches++;
    }

    console.log(`fuzz (seed ${SEED}):`, totals, 'chance frames by kind:', Object.fromEntries(chanceKinds));
    expect(totals.items).toBe(ITEMS);
    expect(totals.recovered + totals.hiddenByChance).toBe(totals.intact);
    // Hiding an intact frame takes a 16-bit CRC collision, or a signed frame whose signature was cut short
    // at a chunk boundary (the parser does not hold signed frames back to check): rare. An unknown id can
    // never hide a checked frame. (Seed 0x5eed2026: 16 of 350 229.)
    expect(totals.hiddenByChance).toBeLessThan(totals.intact / 10_000 + 5);
  });
});
