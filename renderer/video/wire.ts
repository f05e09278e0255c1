/** Reads the station's binary video frame (layout in station/video/wire.ts). */
import type { VideoWireFrame } from '../../common/api/contract.js';

export type Frame = VideoWireFrame;

export function parseFrame(buf: ArrayBuffer): Frame | undefined {
  const b = new Uint8Array(buf);
  if (b.length < 4 || b[0] !== 1) return undefined;
  const v = new DataView(buf);
  const n = b[3]!;
  let o = 4 + n;
  if (b.length < o + 22) return undefined;
  const drone = new TextDecoder().decode(b.subarray(4, o));
  const timestampUs = v.getFloat64(o);
  const arrivalMs = v.getFloat64(o + 8);
  const seq = v.getUint32(o + 16);
  const m = v.getUint16(o + 20);
  o += 22;
  const flags = b[1]!;
  const config = flags & 4 ? b.subarray(o, o + m) : null;
  o += m;
  const preview = flags & 8 ? 'sub' : flags & 16 ? 'key' : undefined;
  return { drone, codec: b[2] === 2 ? 'h265' : 'h264', keyframe: (flags & 1) !== 0, damaged: (flags & 2) !== 0, timestampUs, arrivalMs, seq, config, data: b.subarray(o), ...(preview ? { preview } : {}) };
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

const utf8 = new TextDecoder();

/** The drone a binary frame is for, read from its header alone (the desktop's video port routes on it). */
export function frameDrone(buf: ArrayBuffer): string | undefined {
  const b = new Uint8Array(buf);
  if (b.length < 4 || b[0] !== 1 || b.length < 4 + b[3]!) return undefined;
  return utf8.decode(b.subarray(4, 4 + b[3]!));
}
