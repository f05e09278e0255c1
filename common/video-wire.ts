/**
 * The binary video frame the station sends to consoles (WebSocket binary message, or a transferred
 * ArrayBuffer over the desktop MessagePort). No JSON, no base64: a small header, then the access unit.
 *
 *   u8  kind = 1 (frame)
 *   u8  flags: 1 keyframe · 2 damaged · 4 codec config present · 8 preview from the sub-stream ·
 *              16 preview of keyframes only (issue 18; neither: the full-rate main stream)
 *   u8  codec: 1 H.264 · 2 H.265
 *   u8  n = length of the drone id (UTF-8)
 *   n   drone id
 *   f64 timestamp in µs (RTP timestamp, unwrapped, ÷ 90 kHz, rounded to a whole µs as WebCodecs keeps it)
 *   f64 arrival at the station, Unix ms (for latency measurement)
 *   u32 frame number in this stream
 *   u16 m = length of the codec config (Annex B SPS+PPS; 0 when absent)
 *   m   codec config
 *   …   the access unit, Annex B
 * All numbers big-endian. One codec, both directions: the station encodes (encodeFrame), the console and its
 * workers decode (parseFrame, frameDrone).
 */
import type { VideoModeMessage, VideoWireFrame } from './api/contract.js';
import { utf8Decode, utf8Encode } from './utf8.js';

export const FRAME_KIND = 1;
export const FLAG_KEY = 1;
export const FLAG_DAMAGED = 2;
export const FLAG_CONFIG = 4;
export const FLAG_SUB = 8;
export const FLAG_KEY_ONLY = 16;

const CODEC_H264 = 1;
const CODEC_H265 = 2;
/** Bytes after the drone id: timestamp, arrival, frame number, config length. */
const TAIL = 8 + 8 + 4 + 2;

export type WireFrame = VideoWireFrame;

export function encodeFrame(f: WireFrame): Uint8Array {
  const id = utf8Encode(f.drone);
  const cfg = f.keyframe && f.config ? f.config : null;
  const head = 4 + id.length + TAIL;
  const out = new Uint8Array(head + (cfg?.length ?? 0) + f.data.length);
  const v = new DataView(out.buffer);
  out[0] = FRAME_KIND;
  out[1] = (f.keyframe ? FLAG_KEY : 0) | (f.damaged ? FLAG_DAMAGED : 0) | (cfg ? FLAG_CONFIG : 0) | (f.preview === 'sub' ? FLAG_SUB : 0) | (f.preview === 'key' ? FLAG_KEY_ONLY : 0);
  out[2] = f.codec === 'h265' ? CODEC_H265 : CODEC_H264;
  out[3] = id.length;
  out.set(id, 4);
  let o = 4 + id.length;
  v.setFloat64(o, f.timestampUs);
  v.setFloat64(o + 8, f.arrivalMs);
  v.setUint32(o + 16, f.seq >>> 0);
  v.setUint16(o + 20, cfg?.length ?? 0);
  o = head;
  if (cfg) {
    out.set(cfg, o);
    o += cfg.length;
  }
  out.set(f.data, o);
  return out;
}

/** Read a binary frame; undefined when it is not one (wrong kind, cut short). */
export function parseFrame(buf: ArrayBuffer): WireFrame | undefined {
  const b = new Uint8Array(buf);
  if (b.length < 4 || b[0] !== FRAME_KIND) return undefined;
  const v = new DataView(buf);
  const n = b[3]!;
  let o = 4 + n;
  if (b.length < o + TAIL) return undefined;
  const drone = utf8Decode(b.subarray(4, o));
  const timestampUs = v.getFloat64(o);
  const arrivalMs = v.getFloat64(o + 8);
  const seq = v.getUint32(o + 16);
  const m = v.getUint16(o + 20);
  o += TAIL;
  const flags = b[1]!;
  const config = flags & FLAG_CONFIG ? b.subarray(o, o + m) : null;
  o += m;
  const preview = flags & FLAG_SUB ? 'sub' : flags & FLAG_KEY_ONLY ? 'key' : undefined;
  return {
    drone,
    codec: b[2] === CODEC_H265 ? 'h265' : 'h264',
    keyframe: (flags & FLAG_KEY) !== 0,
    damaged: (flags & FLAG_DAMAGED) !== 0,
    timestampUs,
    arrivalMs,
    seq,
    config,
    data: b.subarray(o),
    ...(preview ? { preview } : {}),
  };
}

/** The drone a binary frame is for, read from its header alone (the desktop's video port routes on it). */
export function frameDrone(buf: ArrayBuffer): string | undefined {
  const b = new Uint8Array(buf);
  if (b.length < 4 || b[0] !== FRAME_KIND || b.length < 4 + b[3]!) return undefined;
  return utf8Decode(b.subarray(4, 4 + b[3]!));
}

/** WebCodecs codec string from the SPS in an Annex B config ("avc1.PPCCLL"). */
export function codecFromConfig(cfg: Uint8Array): string | undefined {
  for (let i = 0; i + 7 < cfg.length; i++) {
    if (cfg[i] === 0 && cfg[i + 1] === 0 && cfg[i + 2] === 1 && (cfg[i + 3]! & 0x1f) === 7) {
      const hex = (x: number) => x.toString(16).padStart(2, '0').toUpperCase();
      return `avc1.${hex(cfg[i + 4]!)}${hex(cfg[i + 5]!)}${hex(cfg[i + 6]!)}`;
    }
  }
  return undefined;
}

/** A console's `{type:'mode', drone, mode}` text on /ws/video (or the desktop video port), checked; else undefined. */
export function parseVideoMode(text: string): VideoModeMessage | undefined {
  if (text.length > 512) return undefined;
  try {
    const m = JSON.parse(text) as Partial<VideoModeMessage> | null;
    if (m?.type !== 'mode' || typeof m.drone !== 'string' || m.drone.length === 0 || m.drone.length > 64) return undefined;
    if (m.mode !== 'full' && m.mode !== 'preview') return undefined;
    return { type: 'mode', drone: m.drone, mode: m.mode };
  } catch {
    return undefined;
  }
}
