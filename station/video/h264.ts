/**
 * RFC 6184 depacketizer, sans-IO: RTP packets in, H.264 access units (Annex B) out.
 *
 *   packets ──► [single NAL | STAP-A | FU-A] ──► NAL units ──► access unit (same RTP timestamp, ends at the
 *   marker bit or when the timestamp changes) ──► AccessUnit { annexB, keyframe, damaged }
 *
 * Loss: a gap in RTP sequence numbers drops the half-built FU-A, marks the access unit damaged and sets
 * `waitingForKeyframe` (the decoder must not be fed P-frames referring to lost data); the next IDR clears it.
 * SPS/PPS are kept as they pass and prepended to every keyframe that lacks them, so a decoder (or a
 * recording) can start at any keyframe. H.265 is recognised from its two-byte NAL header (VPS/SPS/PPS,
 * aggregation and fragmentation units) and reported, not decoded.
 */
import type { RtpPacket } from './rtp.js';
import { TimestampUnwrapper } from './rtp.js';

export type VideoCodec = 'h264' | 'h265' | 'unknown';

export interface AccessUnit {
  /** Annex B byte stream (00 00 00 01 before each NAL). Keyframes carry SPS and PPS first. */
  data: Uint8Array;
  /** RTP timestamp, unwrapped (90 kHz ticks, monotonic). */
  ts90k: number;
  /** The raw 32-bit RTP timestamp, for matching RTCP sender reports. */
  rtpTs: number;
  keyframe: boolean;
  /** Part of this access unit, or of one it depends on, was lost since the last keyframe. */
  damaged: boolean;
  /** SPS and PPS (Annex B) in force for this frame, null before the first SPS/PPS pair. */
  config: Uint8Array | null;
}

export interface DepacketizerStats {
  packets: number;
  lostPackets: number;
  units: number;
  damagedUnits: number;
}

const START = new Uint8Array([0, 0, 0, 1]);

export function annexB(nals: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const x of nals) n += 4 + x.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const x of nals) {
    out.set(START, o);
    out.set(x, o + 4);
    o += 4 + x.length;
  }
  return out;
}

/** Splits an Annex B byte stream into NAL units (without start codes). */
export function splitAnnexB(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  let start = -1;
  while (i + 2 < b.length) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && b[end - 1] === 0) end--;
        out.push(b.subarray(start, end));
      }
      i += 3;
      start = i;
    } else i++;
  }
  if (start >= 0 && start < b.length) out.push(b.subarray(start));
  return out;
}

/** Plausible as an H.265 NAL header and impossible (or practically unused) as an H.264 one. */
function looksH265(p: Uint8Array): boolean {
  if (p.length < 3) return false;
  const h264Type = p[0]! & 0x1f;
  const h264Unlikely = h264Type === 0 || h264Type === 2 || h264Type === 3 || h264Type === 4 || h264Type >= 30 || h264Type === 25 || h264Type === 26 || h264Type === 27 || h264Type === 29;
  const forbidden = p[0]! & 0x80;
  const layerId = ((p[0]! & 1) << 5) | (p[1]! >> 3);
  const tid = p[1]! & 7;
  const h265Type = (p[0]! >> 1) & 0x3f;
  const h265Known = h265Type <= 21 || (h265Type >= 32 && h265Type <= 40) || h265Type === 48 || h265Type === 49;
  return h264Unlikely && forbidden === 0 && layerId === 0 && tid !== 0 && h265Known;
}

export class H264Depacketizer {
  codec: VideoCodec = 'unknown';
  readonly stats: DepacketizerStats = { packets: 0, lostPackets: 0, units: 0, damagedUnits: 0 };
  /** True after loss until the next keyframe: frames in between are damaged. */
  waitingForKeyframe = true;
  private sps: Uint8Array | undefined;
  private pps: Uint8Array | undefined;
  private nextSeq: number | undefined;
  private curTs: number | undefined;
  private nals: Uint8Array[] = [];
  private curDamaged = false;
  private fu: Uint8Array[] | undefined;
  private fuDamaged = false;
  private h265Votes = 0;
  private readonly unwrap = new TimestampUnwrapper();

  /** Set SPS/PPS from outside the stream (an SDP's sprop-parameter-sets). */
  setParameterSets(nals: Uint8Array[], codec: VideoCodec = 'h264'): void {
    if (codec !== 'unknown') this.codec = codec;
    for (const n of nals) this.keepParam(n);
  }

  /** Feed one RTP packet; returns the access units it completed (0, 1, or 2 when a timestamp change flushes). */
  push(p: RtpPacket): AccessUnit[] {
    const out: AccessUnit[] = [];
    this.stats.packets++;
    if (this.nextSeq !== undefined && p.seq !== this.nextSeq) {
      const gap = (p.seq - this.nextSeq + 0x10000) & 0xffff;
      if (gap > 0x8000) return out; // late or duplicate packet: already given up on
      this.stats.lostPackets += gap;
      this.curDamaged = true;
      this.waitingForKeyframe = true;
      if (this.fu) this.fuDamaged = true;
    }
    this.nextSeq = (p.seq + 1) & 0xffff;
    if (this.curTs !== undefined && p.timestamp !== this.curTs) this.flush(out);
    this.curTs = p.timestamp;
    this.payload(p.payload);
    if (p.marker) this.flush(out);
    return out;
  }

  private payload(b: Uint8Array): void {
    if (b.length === 0) return;
    if (this.codec !== 'h264' && looksH265(b)) {
      if (++this.h265Votes >= 3) this.codec = 'h265';
      if (this.codec === 'h265') return;
    }
    if (this.codec === 'h265') return;
    const type = b[0]! & 0x1f;
    if (type >= 1 && type <= 23) this.nal(b);
    else if (type === 24) {
      // STAP-A: [hdr] then (u16 size, NAL)*
      let o = 1;
      while (o + 2 <= b.length) {
        const size = (b[o]! << 8) | b[o + 1]!;
        o += 2;
        if (size === 0 || o + size > b.length) {
          this.curDamaged = true;
          break;
        }
        this.nal(b.subarray(o, o + size));
        o += size;
      }
    } else if (type === 28 && b.length >= 2) {
      // FU-A: [FU indicator][FU header: S E R type] fragment
      const start = (b[1]! & 0x80) !== 0;
      const end = (b[1]! & 0x40) !== 0;
      if (start) {
        this.fu = [new Uint8Array([(b[0]! & 0xe0) | (b[1]! & 0x1f)]), b.subarray(2)];
        this.fuDamaged = false;
      } else if (this.fu) this.fu.push(b.subarray(2));
      else this.curDamaged = true; // a middle/end fragment whose start was lost
      if (end && this.fu) {
        let n = 0;
        for (const x of this.fu) n += x.length;
        const nal = new Uint8Array(n);
        let o = 0;
        for (const x of this.fu) {
          nal.set(x, o);
          o += x.length;
        }
        this.fu = undefined;
        if (this.fuDamaged) this.curDamaged = true;
        else this.nal(nal);
      }
    } else this.curDamaged = true; // STAP-B, MTAP, FU-B: not in packetization-mode 1 as senders use it
  }

  private keepParam(n: Uint8Array): void {
    const t = n[0]! & 0x1f;
    if (t === 7) this.sps = n.slice();
    else if (t === 8) this.pps = n.slice();
  }

  private nal(n: Uint8Array): void {
    const t = n[0]! & 0x1f;
    if (t === 7 || t === 8) {
      this.codec = 'h264';
      this.keepParam(n);
    }
    if (t === 9) return; // access unit delimiters are dropped; the muxer and decoder do not need them
    this.nals.push(n);
  }

  private flush(out: AccessUnit[]): void {
    const nals = this.nals;
    // An FU-A that never ended inside its access unit lost its end: the unit is damaged.
    const damagedHere = this.curDamaged || this.fu !== undefined;
    this.nals = [];
    this.curDamaged = false;
    this.fu = undefined;
    this.fuDamaged = false;
    this.emit(out, nals, damagedHere);
  }

  private emit(out: AccessUnit[], nals: Uint8Array[], damagedHere: boolean): void {
    if (nals.length === 0 || this.curTs === undefined || this.codec === 'h265') return;
    const keyframe = nals.some((n) => (n[0]! & 0x1f) === 5);
    if (keyframe && !damagedHere) this.waitingForKeyframe = false;
    if (damagedHere) this.waitingForKeyframe = true;
    const damaged = damagedHere || (this.waitingForKeyframe && !keyframe);
    const config = this.sps && this.pps ? annexB([this.sps, this.pps]) : null;
    let list = nals;
    if (keyframe && this.sps && this.pps) {
      const hasSps = nals.some((n) => (n[0]! & 0x1f) === 7);
      const hasPps = nals.some((n) => (n[0]! & 0x1f) === 8);
      list = [...(hasSps ? [] : [this.sps]), ...(hasPps ? [] : [this.pps]), ...nals];
    }
    if (this.codec === 'unknown' && nals.some((n) => (n[0]! & 0x1f) === 1 || (n[0]! & 0x1f) === 5)) this.codec = 'h264';
    this.stats.units++;
    if (damaged) this.stats.damagedUnits++;
    out.push({ data: annexB(list), ts90k: this.unwrap.unwrap(this.curTs), rtpTs: this.curTs, keyframe, damaged, config });
  }
}

/** Profile/level codec string for WebCodecs from an SPS NAL ("avc1.PPCCLL"). */
export function avcCodecString(sps: Uint8Array): string {
  const hex = (x: number | undefined) => (x ?? 0).toString(16).padStart(2, '0').toUpperCase();
  return `avc1.${hex(sps[1])}${hex(sps[2])}${hex(sps[3])}`;
}
