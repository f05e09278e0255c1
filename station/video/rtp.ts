/**
 * RTP (RFC 3550) and the bits of RTCP the video ingest needs: parse RTP packets, parse sender reports (the
 * NTP ↔ RTP timestamp mapping that gives each frame its capture time), build receiver reports with PLI/FIR
 * keyframe requests (RFC 4585 §6.3.1, RFC 5104 §4.3.1). Pure functions, no sockets.
 */

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

export function parseRtp(b: Uint8Array): RtpPacket | undefined {
  if (b.length < 12 || b[0]! >> 6 !== 2) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cc = b[0]! & 0x0f;
  let off = 12 + cc * 4;
  if (b[0]! & 0x10) {
    if (b.length < off + 4) return undefined;
    off += 4 + v.getUint16(off + 2) * 4;
  }
  let end = b.length;
  if (b[0]! & 0x20) end -= b[b.length - 1]!;
  if (end <= off) return undefined;
  const pt = b[1]! & 0x7f;
  // RTCP packet types 200–204 share the port in rtcp-mux; they are not media.
  if (pt >= 72 && pt <= 76) return undefined;
  return { marker: (b[1]! & 0x80) !== 0, payloadType: pt, seq: v.getUint16(2), timestamp: v.getUint32(4), ssrc: v.getUint32(8), payload: b.subarray(off, end) };
}

/** A sender report's clock mapping: at `rtpTs` the sender's wall clock read `ntpMs` (Unix ms). */
export interface SenderReport {
  ssrc: number;
  ntpMs: number;
  rtpTs: number;
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** Sender reports found in a compound RTCP packet. */
export function parseRtcpSenderReports(b: Uint8Array): SenderReport[] {
  const out: SenderReport[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off + 4 <= b.length) {
    if (b[off]! >> 6 !== 2) break;
    const len = (v.getUint16(off + 2) + 1) * 4;
    if (b[off + 1] === 200 && off + 20 <= b.length) {
      const sec = v.getUint32(off + 8);
      const frac = v.getUint32(off + 12);
      out.push({ ssrc: v.getUint32(off + 4), ntpMs: (sec - NTP_UNIX_OFFSET_S) * 1000 + (frac / 2 ** 32) * 1000, rtpTs: v.getUint32(off + 16) });
    }
    off += len;
  }
  return out;
}

/** Receiver report (no blocks) + PLI + FIR asking `mediaSsrc` for a keyframe: the compound packet RTCP needs. */
export function keyframeRequest(ourSsrc: number, mediaSsrc: number, firSeq: number): Uint8Array {
  const b = new Uint8Array(8 + 12 + 20);
  const v = new DataView(b.buffer);
  // RR, RC=0, length 1 (8 bytes)
  v.setUint8(0, 0x80);
  v.setUint8(1, 201);
  v.setUint16(2, 1);
  v.setUint32(4, ourSsrc);
  // PLI: PSFB (206) FMT=1, length 2
  v.setUint8(8, 0x81);
  v.setUint8(9, 206);
  v.setUint16(10, 2);
  v.setUint32(12, ourSsrc);
  v.setUint32(16, mediaSsrc);
  // FIR: PSFB FMT=4, length 4: sender, media 0, FCI (ssrc, seq, reserved)
  v.setUint8(20, 0x84);
  v.setUint8(21, 206);
  v.setUint16(22, 4);
  v.setUint32(24, ourSsrc);
  v.setUint32(28, 0);
  v.setUint32(32, mediaSsrc);
  v.setUint8(36, firSeq & 0xff);
  return b;
}

/** Unwraps a 32-bit RTP timestamp into a monotonic count (90 kHz ticks), tolerating reordering. */
export class TimestampUnwrapper {
  private last: number | undefined;
  private high = 0;
  unwrap(ts: number): number {
    if (this.last !== undefined) {
      const d = ts - this.last;
      if (d < -0x80000000) this.high += 0x100000000;
      else if (d > 0x80000000) this.high -= 0x100000000;
    }
    this.last = ts;
    return this.high + ts;
  }
}
