/**
 * The .tlog format of QGroundControl, Mission Planner and pymavlink: a sequence of records, each an 8-byte
 * big-endian timestamp (microseconds since the Unix epoch) followed by one raw MAVLink frame (v1 or v2,
 * signature included), both directions in one file, no other framing.
 *
 * The reader never throws on bad input: a truncated last record (a recorder killed mid-write) ends the
 * iteration; a record whose frame does not check out (CRC, magic) is skipped by scanning forward to the
 * next position that holds a plausible timestamp (within a day of the last good one) and a valid frame.
 */
import { readFileSync } from 'node:fs';
import { FrameParser, SIGNATURE_LEN, STX_V1, STX_V2, type MavFrame } from '../../mavlink/codec/frame.js';

export interface TlogRecord {
  timeUs: number;
  frame: MavFrame;
}

export interface TlogStats {
  records: number;
  /** Bytes skipped while resynchronising after a bad record. */
  skippedBytes: number;
  /** True when the data ended inside a record. */
  truncated: boolean;
}

const DAY_US = 86_400e6;

/** Encode one record: timestamp (µs, big-endian u64) + frame bytes. */
export function encodeTlogRecord(timeUs: number, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + frame.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(timeUs))), false);
  out.set(frame, 8);
  return out;
}

function frameLength(b: Uint8Array, at: number): number | undefined {
  const stx = b[at];
  if (stx === STX_V2) {
    if (at + 3 > b.length) return -1;
    const sig = (b[at + 2]! & 0x01) !== 0 ? SIGNATURE_LEN : 0;
    return 10 + b[at + 1]! + 2 + sig;
  }
  if (stx === STX_V1) {
    if (at + 2 > b.length) return -1;
    return 6 + b[at + 1]! + 2;
  }
  return undefined;
}

/** Parse one record at `at`: the frame, its total length, or why not. */
function recordAt(b: Uint8Array, at: number, parser: FrameParser): { timeUs: number; frame: MavFrame; next: number } | 'truncated' | 'bad' {
  if (at + 8 > b.length) return 'truncated';
  const dv = new DataView(b.buffer, b.byteOffset + at, 8);
  const timeUs = Number(dv.getBigUint64(0, false));
  const len = frameLength(b, at + 8);
  if (len === undefined) return 'bad';
  if (len < 0 || at + 8 + len > b.length) return 'truncated';
  const frames = parser.pushDatagram(b.subarray(at + 8, at + 8 + len));
  const frame = frames[0];
  if (!frame || frames.length !== 1 || frame.raw.length !== len) return 'bad';
  return { timeUs, frame, next: at + 8 + len };
}

/** Iterate the records of a tlog held in memory. `stats` is filled in as iteration goes. */
export function* readTlog(bytes: Uint8Array, stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false }): Generator<TlogRecord> {
  const parser = new FrameParser();
  let at = 0;
  let lastUs: number | undefined;
  while (at < bytes.length) {
    const r = recordAt(bytes, at, parser);
    if (r === 'truncated') {
      stats.truncated = true;
      return;
    }
    if (r !== 'bad' && (lastUs === undefined || Math.abs(r.timeUs - lastUs) < DAY_US)) {
      lastUs = r.timeUs;
      stats.records++;
      yield { timeUs: r.timeUs, frame: r.frame };
      at = r.next;
      continue;
    }
    // Resynchronise: the next byte position where a plausible record starts.
    let j = at + 1;
    for (; j + 9 <= bytes.length; j++) {
      const stx = bytes[j + 8];
      if (stx !== STX_V2 && stx !== STX_V1) continue;
      const c = recordAt(bytes, j, parser);
      if (c === 'truncated' || (c !== 'bad' && (lastUs === undefined || Math.abs(c.timeUs - lastUs) < DAY_US))) break;
    }
    stats.skippedBytes += Math.min(j, bytes.length) - at;
    at = j;
    if (j + 9 > bytes.length) {
      stats.truncated = at < bytes.length;
      return;
    }
  }
}

export function readTlogFile(path: string, stats?: TlogStats): TlogRecord[] {
  return [...readTlog(new Uint8Array(readFileSync(path)), stats)];
}
