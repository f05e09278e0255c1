/**
 * A minimal MPEG-TS muxer (ISO/IEC 13818-1) for one H.264 elementary stream: PAT, PMT, and one PES per
 * access unit with its PTS, no re-encoding. Chosen for recordings because a transport stream has no index
 * to finish: every 188-byte packet stands alone, so a file cut by a crash or `kill -9` plays up to its last
 * whole packet. PAT/PMT are repeated before every keyframe, so a player can start at any keyframe.
 */

export const TS_PACKET = 188;
const PMT_PID = 0x1000;
export const VIDEO_PID = 0x100;
const STREAM_TYPE_H264 = 0x1b;
const STREAM_TYPE_H265 = 0x24;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32Mpeg(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ x) & 0xff]!) >>> 0;
  return c >>> 0;
}

function section(tableId: number, idExt: number, body: number[]): Uint8Array {
  const len = 5 + body.length + 4;
  const s = [tableId, 0xb0 | ((len >> 8) & 0x0f), len & 0xff, idExt >> 8, idExt & 0xff, 0xc1, 0, 0, ...body];
  const crc = crc32Mpeg(new Uint8Array(s));
  return new Uint8Array([...s, crc >>> 24, (crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]);
}

export class TsMuxer {
  private cc = new Map<number, number>();
  private readonly streamType: number;
  constructor(codec: 'h264' | 'h265' = 'h264') {
    this.streamType = codec === 'h265' ? STREAM_TYPE_H265 : STREAM_TYPE_H264;
  }

  private counter(pid: number): number {
    const c = this.cc.get(pid) ?? 0;
    this.cc.set(pid, (c + 1) & 0x0f);
    return c;
  }

  private psi(pid: number, sec: Uint8Array): Uint8Array {
    const p = new Uint8Array(TS_PACKET).fill(0xff);
    p[0] = 0x47;
    p[1] = 0x40 | (pid >> 8);
    p[2] = pid & 0xff;
    p[3] = 0x10 | this.counter(pid);
    p[4] = 0; // pointer field
    p.set(sec, 5);
    return p;
  }

  /** PAT + PMT (two packets). */
  tables(): Uint8Array {
    const pat = section(0x00, 1, [0, 1, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff]);
    const pmt = section(0x02, 1, [0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0, this.streamType, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0]);
    const out = new Uint8Array(TS_PACKET * 2);
    out.set(this.psi(0, pat), 0);
    out.set(this.psi(PMT_PID, pmt), TS_PACKET);
    return out;
  }

  /** One access unit (Annex B) as TS packets; `pts90k` is 33-bit wrapped here. Keyframes get PAT/PMT, PCR, RAI. */
  accessUnit(data: Uint8Array, pts90k: number, keyframe: boolean): Uint8Array {
    const pts = ((pts90k % 2 ** 33) + 2 ** 33) % 2 ** 33;
    const pes = new Uint8Array(14 + data.length);
    pes.set([0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5], 0);
    pes[9] = 0x21 | ((Math.floor(pts / 2 ** 30) & 0x07) << 1);
    const mid = Math.floor(pts / 2 ** 15) & 0x7fff;
    pes[10] = mid >> 7;
    pes[11] = ((mid & 0x7f) << 1) | 1;
    const low = pts & 0x7fff;
    pes[12] = low >> 7;
    pes[13] = ((low & 0x7f) << 1) | 1;
    pes.set(data, 14);
    const pcr = ((pts - 9000) % 2 ** 33 + 2 ** 33) % 2 ** 33;
    const chunks: Uint8Array[] = keyframe ? [this.tables()] : [];
    let off = 0;
    let first = true;
    while (off < pes.length) {
      const p = new Uint8Array(TS_PACKET);
      p[0] = 0x47;
      p[1] = (first ? 0x40 : 0) | (VIDEO_PID >> 8);
      p[2] = VIDEO_PID & 0xff;
      // Adaptation field: PCR + random access on the first packet of every PES; stuffing on the last.
      const af: number[] = [];
      let afPresent = false;
      if (first) {
        afPresent = true;
        af.push(keyframe ? 0x50 : 0x10, Math.floor(pcr / 2 ** 25) & 0xff, Math.floor(pcr / 2 ** 17) & 0xff, Math.floor(pcr / 2 ** 9) & 0xff, Math.floor(pcr / 2) & 0xff, ((pcr & 1) << 7) | 0x7e, 0);
      }
      const left = pes.length - off;
      const room = TS_PACKET - 4 - (afPresent ? 1 + af.length : 0);
      if (left < room) {
        const need = room - left;
        if (afPresent) af.push(...new Array<number>(need).fill(0xff));
        else {
          afPresent = true;
          if (need >= 2) af.push(0x00, ...new Array<number>(need - 2).fill(0xff));
        }
      }
      p[3] = (afPresent ? 0x30 : 0x10) | this.counter(VIDEO_PID);
      let o = 4;
      if (afPresent) {
        p[o++] = af.length;
        for (const x of af) p[o++] = x;
      }
      const n = Math.min(TS_PACKET - o, left);
      p.set(pes.subarray(off, off + n), o);
      off += n;
      first = false;
      chunks.push(p);
    }
    let total = 0;
    for (const c of chunks) total += c.length;
    const out = new Uint8Array(total);
    let w = 0;
    for (const c of chunks) {
      out.set(c, w);
      w += c.length;
    }
    return out;
  }
}
