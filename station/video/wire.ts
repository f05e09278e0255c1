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
 * All numbers big-endian. renderer/video/wire.ts reads it.
 */
import type { VideoModeMessage, VideoWireFrame } from '../../common/api/contract.js';

export const FRAME_KIND = 1;
export const FLAG_KEY = 1;
export const FLAG_DAMAGED = 2;
export const FLAG_CONFIG = 4;
export const FLAG_SUB = 8;
export const FLAG_KEY_ONLY = 16;

export type WireFrame = VideoWireFrame;

export function encodeFrame(f: WireFrame): Uint8Array {
  const id = new TextEncoder().encode(f.drone);
  const cfg = f.keyframe && f.config ? f.config : null;
  const head = 4 + id.length + 8 + 8 + 4 + 2;
  const out = new Uint8Array(head + (cfg?.length ?? 0) + f.data.length);
  const v = new DataView(out.buffer);
  out[0] = FRAME_KIND;
  out[1] = (f.keyframe ? FLAG_KEY : 0) | (f.damaged ? FLAG_DAMAGED : 0) | (cfg ? FLAG_CONFIG : 0) | (f.preview === 'sub' ? FLAG_SUB : 0) | (f.preview === 'key' ? FLAG_KEY_ONLY : 0);
  out[2] = f.codec === 'h265' ? 2 : 1;
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
