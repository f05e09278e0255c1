/**
 * A fragmented-MP4 muxer for one H.264 track, pure and sans-IO: what a browser's Media Source Extensions
 * (`SourceBuffer`, "video/mp4") take. Boxes as ISO/IEC 14496-12 (ISOBMFF) defines them:
 *
 *   init segment   ftyp · moov ( mvhd · trak ( tkhd · mdia ( mdhd · hdlr · minf ( vmhd · dinf(dref) ·
 *                  stbl ( stsd(avc1(avcC)) · stts · stsc · stsz · stco, all empty ) ) ) ) · mvex(trex) )
 *   fragment       moof ( mfhd · traf ( tfhd · tfdt · trun ) ) · mdat          §8.8 movie fragments
 *
 * and the AVC parts as ISO/IEC 14496-15: the sample entry `avc1` with its AVCDecoderConfigurationRecord
 * (`avcC`: SPS, PPS, and the chroma/bit-depth extension for the High profiles), samples as 4-byte
 * length-prefixed NAL units (the AVC sample format) instead of Annex B start codes. SPS, PPS and access unit delimiters are
 * left out of the samples (they live in avcC). Timescale 90 kHz, the RTP clock: decode time is the RTP
 * timestamp minus the first one. One sample per fragment, so a frame leaves the muxer the moment it
 * arrives (the lowest latency MSE allows); its duration is the previous frame's interval (3000 at first).
 * No B-frames are assumed (composition time = decode time), as live encoders send.
 */
import { splitAnnexB, type AccessUnit } from './h264.js';

export const TIMESCALE = 90_000;
const TRACK_ID = 1;
const SYNC = 0x02000000; // sample_depends_on = 2 (depends on no other sample)
const NON_SYNC = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample = 1

/** What the muxer and avcC need from a sequence parameter set (ITU-T H.264 §7.3.2.1.1). */
export interface SpsInfo {
  profile: number;
  compat: number;
  level: number;
  chromaFormat: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  width: number;
  height: number;
}

/** Reads Exp-Golomb coded bits of an RBSP (emulation prevention bytes removed first). */
class Bits {
  private pos = 0;
  private readonly b: Uint8Array;
  constructor(nal: Uint8Array) {
    // Emulation prevention (§7.4.1): a 0x03 after two zero bytes is not part of the RBSP.
    const out: number[] = [];
    let z = 0;
    for (const x of nal) {
      if (z >= 2 && x === 3) {
        z = 0;
        continue;
      }
      out.push(x);
      z = x === 0 ? z + 1 : 0;
    }
    this.b = new Uint8Array(out);
  }
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.b[this.pos >> 3];
      if (byte === undefined) throw new Error('SPS: truncated');
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new Error('SPS: bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -k / 2;
  }
}

/** Parses an SPS NAL unit (with its one-byte header): profile, level, chroma format, bit depth, cropped size. */
export function parseSps(sps: Uint8Array): SpsInfo {
  const r = new Bits(sps);
  r.u(8); // NAL header
  const profile = r.u(8);
  const compat = r.u(8);
  const level = r.u(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlanes = 0;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) separateColourPlanes = r.u(1);
    bitDepthLuma = r.ue() + 8;
    bitDepthChroma = r.ue() + 8;
    r.u(1); // qpprime_y_zero_transform_bypass_flag
    if (r.u(1)) {
      // seq_scaling_matrix_present_flag: skip each scaling_list() present (§7.3.2.1.1.1)
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
        if (!r.u(1)) continue;
        let last = 8;
        let next = 8;
        for (let j = 0; j < (i < 6 ? 16 : 64) && next !== 0; j++) {
          next = (last + r.se() + 256) % 256;
          if (next !== 0) last = next;
        }
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u(1);
    r.se();
    r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.u(1); // mb_adaptive_frame_field_flag
  r.u(1); // direct_8x8_inference_flag
  let [left, right, top, bottom] = [0, 0, 0, 0];
  if (r.u(1)) [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
  // Crop units (§7.4.2.1.1): luma samples for monochrome or separate planes, else chroma subsampling.
  const arrayType = separateColourPlanes ? 0 : chromaFormat;
  const cropX = arrayType === 0 ? 1 : arrayType === 3 ? 1 : 2;
  const cropY = (arrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
  return {
    profile, compat, level, chromaFormat, bitDepthLuma, bitDepthChroma,
    width: widthMbs * 16 - cropX * (left + right),
    height: (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (top + bottom),
  };
}

function box(type: string, ...parts: (Uint8Array | number[])[]): Uint8Array {
  let n = 8;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  new DataView(out.buffer).setUint32(0, n);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let o = 8;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const full = (type: string, version: number, flags: number, ...parts: (Uint8Array | number[])[]) => box(type, [version, (flags >> 16) & 0xff, (flags >> 8) & 0xff, flags & 0xff], ...parts);
const u16 = (x: number) => [(x >> 8) & 0xff, x & 0xff];
const u32 = (x: number) => [(x >>> 24) & 0xff, (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff];
const u64 = (x: number) => [...u32(Math.floor(x / 2 ** 32)), ...u32(x % 2 ** 32)];
const zeros = (n: number) => new Array<number>(n).fill(0);
const fourcc = (s: string) => [...s].map((c) => c.charCodeAt(0));
const MATRIX = [...u32(0x10000), ...zeros(12), ...u32(0x10000), ...zeros(12), ...u32(0x40000000)];

/** ftyp + moov for one H.264 track; width/height default to the SPS's cropped size. */
export function initSegment(sps: Uint8Array, pps: Uint8Array, width?: number, height?: number): Uint8Array {
  const info = parseSps(sps);
  const w = width ?? info.width;
  const h = height ?? info.height;
  const highExt = [100, 110, 122, 144].includes(info.profile) ? [0xfc | info.chromaFormat, 0xf8 | (info.bitDepthLuma - 8), 0xf8 | (info.bitDepthChroma - 8), 0] : [];
  const avcC = box('avcC', [1, info.profile, info.compat, info.level, 0xff, 0xe1, ...u16(sps.length)], sps, [1, ...u16(pps.length)], pps, highExt);
  const avc1 = box('avc1', zeros(6), u16(1), zeros(16), u16(w), u16(h), u32(0x00480000), u32(0x00480000), u32(0), u16(1), zeros(32), u16(0x18), u16(0xffff), avcC);
  const stbl = box('stbl', full('stsd', 0, 0, u32(1), avc1), full('stts', 0, 0, u32(0)), full('stsc', 0, 0, u32(0)), full('stsz', 0, 0, u32(0), u32(0)), full('stco', 0, 0, u32(0)));
  const minf = box('minf', full('vmhd', 0, 1, zeros(8)), box('dinf', full('dref', 0, 0, u32(1), full('url ', 0, 1))), stbl);
  const mdia = box('mdia', full('mdhd', 0, 0, zeros(8), u32(TIMESCALE), u32(0), u16(0x55c4), u16(0)), full('hdlr', 0, 0, u32(0), fourcc('vide'), zeros(12), fourcc('VideoHandler'), [0]), minf);
  const tkhd = full('tkhd', 0, 3, zeros(8), u32(TRACK_ID), zeros(4), u32(0), zeros(8), u16(0), u16(0), u16(0), u16(0), MATRIX, u32(w * 0x10000), u32(h * 0x10000));
  const mvhd = full('mvhd', 0, 0, zeros(8), u32(TIMESCALE), u32(0), u32(0x10000), u16(0x100), zeros(10), MATRIX, zeros(24), u32(TRACK_ID + 1));
  const mvex = box('mvex', full('trex', 0, 0, u32(TRACK_ID), u32(1), u32(0), u32(0), u32(0)));
  const ftyp = box('ftyp', fourcc('iso5'), u32(512), fourcc('iso5'), fourcc('iso6'), fourcc('avc1'), fourcc('mp41'));
  const moov = box('moov', mvhd, box('trak', tkhd, mdia), mvex);
  const out = new Uint8Array(ftyp.length + moov.length);
  out.set(ftyp);
  out.set(moov, ftyp.length);
  return out;
}

/** SPS and PPS of an Annex B config (or access unit), for initSegment. */
export function parameterSets(annexB: Uint8Array): { sps: Uint8Array; pps: Uint8Array } | undefined {
  const nals = splitAnnexB(annexB);
  const sps = nals.find((n) => (n[0]! & 0x1f) === 7);
  const pps = nals.find((n) => (n[0]! & 0x1f) === 8);
  return sps && pps ? { sps, pps } : undefined;
}

/** Annex B → 4-byte length-prefixed NAL units, without SPS (7), PPS (8) and access unit delimiters (9). */
export function toLengthPrefixed(annexB: Uint8Array): Uint8Array {
  const nals = splitAnnexB(annexB).filter((n) => n.length > 0 && ![7, 8, 9].includes(n[0]! & 0x1f));
  const out = new Uint8Array(nals.reduce((a, n) => a + 4 + n.length, 0));
  const v = new DataView(out.buffer);
  let o = 0;
  for (const n of nals) {
    v.setUint32(o, n.length);
    out.set(n, o + 4);
    o += 4 + n.length;
  }
  return out;
}

/** Turns access units into fragments, one sample each, numbering them and keeping the decode time. */
export class Fmp4Muxer {
  /** The RTP timestamp (90 kHz, unwrapped) of decode time 0: the first access unit's. */
  origin: number | undefined;
  private seq = 0;
  private lastTs: number | undefined;
  private lastDuration = 3000;

  /** Decode time (90 kHz ticks, media time × 90 000) of an access unit's timestamp. */
  decodeTime(ts90k: number): number {
    return ts90k - (this.origin ?? ts90k);
  }

  /** moof + mdat for one access unit (Annex B). */
  fragment(au: Pick<AccessUnit, 'data' | 'keyframe' | 'ts90k'>): Uint8Array {
    this.origin ??= au.ts90k;
    if (this.lastTs !== undefined && au.ts90k > this.lastTs) this.lastDuration = au.ts90k - this.lastTs;
    this.lastTs = au.ts90k;
    const sample = toLengthPrefixed(au.data);
    const trunFlags = 0x000001 | 0x000100 | 0x000200 | 0x000400; // data-offset, duration, size, flags present
    const mfhd = full('mfhd', 0, 0, u32(++this.seq));
    const tfhd = full('tfhd', 0, 0x020000, u32(TRACK_ID)); // default-base-is-moof
    const tfdt = full('tfdt', 1, 0, u64(this.decodeTime(au.ts90k)));
    const trun = (dataOffset: number) => full('trun', 0, trunFlags, u32(1), u32(dataOffset), u32(this.lastDuration), u32(sample.length), u32(au.keyframe ? SYNC : NON_SYNC));
    const moofSize = 8 + mfhd.length + 8 + tfhd.length + tfdt.length + trun(0).length;
    const moof = box('moof', mfhd, box('traf', tfhd, tfdt, trun(moofSize + 8)));
    const mdat = box('mdat', sample);
    const out = new Uint8Array(moof.length + mdat.length);
    out.set(moof);
    out.set(mdat, moof.length);
    return out;
  }
}
