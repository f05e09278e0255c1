/**
 * MAVLink framing: a streaming parser that accepts MAVLink 1 and 2 (signed or not) and skips anything
 * else (console text, line noise, truncated frames) without ever throwing, and an encoder for MAVLink 2.
 *
 * Parser states, per byte position `i` of the buffered input:
 *   SCAN     → find the next 0xFD/0xFE (indexOf, so garbage costs O(n), not O(n²));
 *   HEADER   → need the fixed header; if the buffer ends here, keep the tail and wait for more bytes;
 *   BODY     → need payload+CRC(+signature); same;
 *   CHECK    → known id: CRC with CRC_EXTRA must match, else count badCrc and resume SCAN at i+1;
 *              unknown id: cannot be checked, so accept only when the next byte starts a frame or the
 *              input ends exactly there, and no known frame with a good CRC starts inside it (else count
 *              as garbage and resume at i+1), so a phantom unknown frame in noise never swallows a real one.
 *              Signed frames: the CRC does not cover the signature, so a signed frame whose signature block
 *              holds the start of a checked frame (a signature cut short) is dropped the same way.
 * A UDP datagram is parsed on its own (`pushDatagram`): a truncated frame at its end is dropped, not carried
 * into the next datagram, and a start byte whose claimed frame runs past the datagram's end is skipped
 * (scanning goes on, so whole frames after it in the same datagram are still found).
 */
import { crc16, crc16Byte } from './crc.js';
import { crcExtra as defaultCrcExtra } from './messages.js';

export const STX_V1 = 0xfe;
export const STX_V2 = 0xfd;
export const IFLAG_SIGNED = 0x01;
export const SIGNATURE_LEN = 13;

export interface MavFrame {
  version: 1 | 2;
  seq: number;
  sysid: number;
  compid: number;
  msgid: number;
  incompatFlags: number;
  compatFlags: number;
  /** Payload as on the wire (MAVLink 2 may have trimmed trailing zeros). A view into `raw`. */
  payload: Uint8Array;
  /**
   * The whole frame, header to signature, for recording and forwarding. A copy: the parser never writes
   * these bytes again, but (like a pooled Node Buffer) it may be a view into a larger ArrayBuffer shared
   * with other frames: use byteOffset/byteLength with `.buffer`, or `raw.slice()` for a standalone copy.
   */
  raw: Uint8Array;
  /** False when the id is not in our dialects: its CRC could not be checked; it is passed through raw. */
  known: boolean;
  /** Present when the frame carries a MAVLink 2 signature. */
  signature?: { linkId: number; timestamp: number; bytes: Uint8Array };
}

export interface ParserStats {
  frames: number;
  bytes: number;
  badCrc: number;
  garbageBytes: number;
  truncated: number;
  unknown: number;
}

export type CrcExtraLookup = (msgid: number) => number | undefined;

/** Frames are copied into slabs of this size (a frame is at most 280 bytes). */
const SLAB_SIZE = 16 * 1024;

export class FrameParser {
  private buf: Uint8Array = new Uint8Array(0);
  private slab = new ArrayBuffer(SLAB_SIZE);
  private slabUsed = 0;
  readonly stats: ParserStats = { frames: 0, bytes: 0, badCrc: 0, garbageBytes: 0, truncated: 0, unknown: 0 };

  constructor(private readonly crcExtra: CrcExtraLookup = defaultCrcExtra) {}

  /** Bytes of a stream (TCP, serial): a frame may span chunks. */
  push(chunk: Uint8Array, out: MavFrame[] = []): MavFrame[] {
    this.stats.bytes += chunk.length;
    let data: Uint8Array;
    if (this.buf.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.buf.length + chunk.length);
      data.set(this.buf, 0);
      data.set(chunk, this.buf.length);
    }
    const used = this.parse(data, out, false);
    this.buf = used < data.length ? data.slice(used) : new Uint8Array(0);
    return out;
  }

  /** One whole datagram: parsed alone; any partial frame at its end is counted and dropped. */
  pushDatagram(datagram: Uint8Array, out: MavFrame[] = []): MavFrame[] {
    this.stats.bytes += datagram.length;
    this.parse(datagram, out, true);
    // In datagram mode parse() consumes everything: a frame cut off by the end of the datagram (or a start
    // byte in garbage that claims more bytes than are left) is skipped byte by byte, never carried over.
    if (this.cutShort) this.stats.truncated++;
    return out;
  }

  /** Drop any partial frame held from a previous chunk (e.g. after a reconnect). */
  reset(): void {
    this.buf = new Uint8Array(0);
  }

  /** Set by parse() in datagram mode when a candidate frame ran past the end of the datagram. */
  private cutShort = false;

  /** Returns how many bytes of `d` were consumed; the rest is an incomplete frame to keep. */
  private parse(d: Uint8Array, out: MavFrame[], final: boolean): number {
    const n = d.length;
    const stats = this.stats;
    this.cutShort = false;
    let i = 0;
    while (i < n) {
      const s = d[i];
      if (s !== STX_V2 && s !== STX_V1) {
        let j2 = d.indexOf(STX_V2, i);
        let j1 = d.indexOf(STX_V1, i);
        if (j2 < 0) j2 = n;
        if (j1 < 0) j1 = n;
        const j = j2 < j1 ? j2 : j1;
        stats.garbageBytes += j - i;
        i = j;
        continue;
      }
      const v2 = s === STX_V2;
      const hdr = v2 ? 10 : 6;
      if (i + hdr > n) {
        // Incomplete header. A stream waits for more bytes; a datagram has no more, so this start byte
        // was garbage or a cut-off frame: skip it and keep scanning (a later frame may still be whole).
        if (!final) return i;
        this.cutShort = true;
        stats.garbageBytes++;
        i++;
        continue;
      }
      const len = d[i + 1]!;
      const incompat = v2 ? d[i + 2]! : 0;
      if (v2 && (incompat & ~IFLAG_SIGNED) !== 0) {
        // Unknown incompatibility flag: the spec says drop the frame.
        stats.garbageBytes++;
        i++;
        continue;
      }
      const sigLen = v2 && incompat & IFLAG_SIGNED ? SIGNATURE_LEN : 0;
      const total = hdr + len + 2 + sigLen;
      if (i + total > n) {
        // Incomplete body: a stream waits; in a datagram, skip the start byte and rescan (see above).
        if (!final) return i;
        this.cutShort = true;
        stats.garbageBytes++;
        i++;
        continue;
      }
      const msgid = v2 ? d[i + 7]! | (d[i + 8]! << 8) | (d[i + 9]! << 16) : d[i + 5]!;
      const extra = this.crcExtra(msgid);
      const crcAt = i + hdr + len;
      const wire = d[crcAt]! | (d[crcAt + 1]! << 8);
      let known = true;
      if (extra === undefined) {
        const next = i + total;
        const plausible = next === n || d[next] === STX_V2 || d[next] === STX_V1;
        if (!plausible) {
          stats.garbageBytes++;
          i++;
          continue;
        }
        // An unknown id cannot be checked. Never let it swallow a frame we *can* check: if a known frame
        // with a good CRC starts inside it, this start byte was garbage.
        const inner = this.checkedFrameWithin(d, i + 1, next, final);
        if (inner === INNER_WAIT) return i;
        if (inner === INNER_FOUND) {
          stats.garbageBytes++;
          i++;
          continue;
        }
        known = false;
      } else {
        const crc = crc16Byte(extra, crc16(d, i + 1, crcAt));
        if (crc !== wire) {
          stats.badCrc++;
          stats.garbageBytes++;
          i++;
          continue;
        }
        // The CRC does not cover the 13-byte signature block. If a checked frame starts inside it, this
        // frame's signature was cut short (bytes lost on the link) and it would swallow the next frame's
        // start: drop it (its signature cannot verify anyway). Only frames already complete in the buffer
        // are looked at, so a signed frame is never held back waiting for more bytes.
        if (sigLen && this.checkedFrameWithin(d, crcAt + 2, i + total, true) === INNER_FOUND) {
          stats.garbageBytes++;
          i++;
          continue;
        }
      }
      // Frames are copied into a slab (see SLAB_SIZE): one small typed-array allocation per frame costs
      // more than parsing it. Slab bytes are written once and never reused.
      if (this.slabUsed + total > this.slab.byteLength) {
        this.slab = new ArrayBuffer(SLAB_SIZE);
        this.slabUsed = 0;
      }
      const at = this.slabUsed;
      this.slabUsed = at + total;
      const raw = new Uint8Array(this.slab, at, total);
      for (let k = 0; k < total; k++) raw[k] = d[i + k]!;
      const frame: MavFrame = {
        version: v2 ? 2 : 1,
        seq: v2 ? d[i + 4]! : d[i + 2]!,
        sysid: v2 ? d[i + 5]! : d[i + 3]!,
        compid: v2 ? d[i + 6]! : d[i + 4]!,
        msgid,
        incompatFlags: incompat,
        compatFlags: v2 ? d[i + 3]! : 0,
        payload: new Uint8Array(this.slab, at + hdr, len),
        raw,
        known,
      };
      if (sigLen) {
        const so = hdr + len + 2;
        frame.signature = {
          linkId: raw[so]!,
          timestamp: readUint48(raw, so + 1),
          bytes: new Uint8Array(this.slab, at + so + 7, 6),
        };
      }
      if (!known) stats.unknown++;
      stats.frames++;
      out.push(frame);
      i += total;
    }
    return i;
  }

  /**
   * Does a frame with a known id and a good CRC start at some position in [from, to) of `d`?
   * INNER_WAIT: one might, but its bytes have not all arrived yet (stream mode only).
   */
  private checkedFrameWithin(d: Uint8Array, from: number, to: number, final: boolean): number {
    const n = d.length;
    for (let j = from; j < to; j++) {
      const s = d[j];
      if (s !== STX_V2 && s !== STX_V1) continue;
      const v2 = s === STX_V2;
      const hdr = v2 ? 10 : 6;
      if (j + hdr > n) {
        if (final) continue;
        return INNER_WAIT;
      }
      const incompat = v2 ? d[j + 2]! : 0;
      if (v2 && (incompat & ~IFLAG_SIGNED) !== 0) continue;
      const msgid = v2 ? d[j + 7]! | (d[j + 8]! << 8) | (d[j + 9]! << 16) : d[j + 5]!;
      const extra = this.crcExtra(msgid);
      if (extra === undefined) continue;
      const crcAt = j + hdr + d[j + 1]!;
      const total = crcAt + 2 + (v2 && incompat & IFLAG_SIGNED ? SIGNATURE_LEN : 0) - j;
      if (j + total > n) {
        if (final) continue;
        return INNER_WAIT;
      }
      if (crc16Byte(extra, crc16(d, j + 1, crcAt)) === (d[crcAt]! | (d[crcAt + 1]! << 8))) return INNER_FOUND;
    }
    return INNER_NONE;
  }
}

const INNER_NONE = 0;
const INNER_FOUND = 1;
const INNER_WAIT = 2;

export function readUint48(b: Uint8Array, off: number): number {
  return (
    b[off]! +
    b[off + 1]! * 0x100 +
    b[off + 2]! * 0x10000 +
    b[off + 3]! * 0x1000000 +
    b[off + 4]! * 0x100000000 +
    b[off + 5]! * 0x10000000000
  );
}

export function writeUint48(b: Uint8Array, off: number, v: number): void {
  let x = Math.floor(v);
  for (let k = 0; k < 6; k++) {
    b[off + k] = x % 256;
    x = Math.floor(x / 256);
  }
}

export interface EncodeHeader {
  seq: number;
  sysid: number;
  compid: number;
}

/** Trim MAVLink 2 trailing zero bytes (at least one byte stays, per the spec). */
export function trimPayload(payload: Uint8Array): Uint8Array {
  let len = payload.length;
  while (len > 1 && payload[len - 1] === 0) len--;
  return payload.subarray(0, len);
}

/**
 * Build a MAVLink 2 frame. With `signatureSpace`, the signed flag is set and 13 bytes are left at the end
 * for the signer to fill (see signing.ts).
 */
export function encodeV2(
  h: EncodeHeader,
  msgid: number,
  crcExtraByte: number,
  fullPayload: Uint8Array,
  signatureSpace = false,
): Uint8Array {
  const payload = trimPayload(fullPayload);
  const len = payload.length;
  const total = 10 + len + 2 + (signatureSpace ? SIGNATURE_LEN : 0);
  const f = new Uint8Array(total);
  f[0] = STX_V2;
  f[1] = len;
  f[2] = signatureSpace ? IFLAG_SIGNED : 0;
  f[3] = 0;
  f[4] = h.seq & 0xff;
  f[5] = h.sysid & 0xff;
  f[6] = h.compid & 0xff;
  f[7] = msgid & 0xff;
  f[8] = (msgid >> 8) & 0xff;
  f[9] = (msgid >> 16) & 0xff;
  f.set(payload, 10);
  const crc = crc16Byte(crcExtraByte, crc16(f, 1, 10 + len));
  f[10 + len] = crc & 0xff;
  f[11 + len] = crc >> 8;
  return f;
}

/** Build a MAVLink 1 frame (for tests and old radios; we send MAVLink 2). Extensions are dropped. */
export function encodeV1(h: EncodeHeader, msgid: number, crcExtraByte: number, basePayload: Uint8Array): Uint8Array {
  if (msgid > 255) throw new Error(`MAVLink 1 cannot carry message id ${msgid}`);
  const len = basePayload.length;
  const f = new Uint8Array(6 + len + 2);
  f[0] = STX_V1;
  f[1] = len;
  f[2] = h.seq & 0xff;
  f[3] = h.sysid & 0xff;
  f[4] = h.compid & 0xff;
  f[5] = msgid;
  f.set(basePayload, 6);
  const crc = crc16Byte(crcExtraByte, crc16(f, 1, 6 + len));
  f[6 + len] = crc & 0xff;
  f[7 + len] = crc >> 8;
  return f;
}
