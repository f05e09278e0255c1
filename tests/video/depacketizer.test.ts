/**
 * The RFC 6184 depacketizer against packets ffmpeg (libx264 → RTP) really sends, captured at run time:
 * every packetization it uses (STAP-A for SPS/PPS, FU-A, single NAL) becomes whole access units that ffprobe
 * decodes frame for frame; seeded packet loss marks exactly the frames that cannot be trusted and recovery
 * happens at the next keyframe; H.265 (libx265) is recognised from payload bytes alone.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { H264Depacketizer, avcCodecString, splitAnnexB, type AccessUnit } from '../../station/video/h264.js';
import { parseRtp } from '../../station/video/rtp.js';
import { captureRtp, ffprobeFrames, seeded } from './ffmpeg.js';

let packets: Buffer[] = [];
const FRAMES = 90; // 3 s at 30 fps, keyframe every 30

beforeAll(async () => {
  packets = await captureRtp({ size: '640x360', seconds: 3 });
});

function run(pkts: Buffer[]): { units: AccessUnit[]; dep: H264Depacketizer } {
  const dep = new H264Depacketizer();
  const units: AccessUnit[] = [];
  for (const b of pkts) {
    const p = parseRtp(b);
    if (p) units.push(...dep.push(p));
  }
  return { units, dep };
}

describe('H.264 depacketizer on ffmpeg RTP output', () => {
  it('uses STAP-A, FU-A and single NAL packets, and yields one access unit per frame', () => {
    const kinds = new Set(packets.map((b) => b[12]! & 0x1f).map((t) => (t === 24 ? 'STAP-A' : t === 28 ? 'FU-A' : t <= 23 ? 'single' : `t${t}`)));
    expect([...kinds].sort()).toEqual(['FU-A', 'STAP-A', 'single']);
    const { units, dep } = run(packets);
    expect(dep.codec).toBe('h264');
    expect(units).toHaveLength(FRAMES);
    expect(units.filter((u) => u.keyframe)).toHaveLength(3);
    expect(units.some((u) => u.damaged)).toBe(false);
    // Keyframes begin with SPS, PPS; timestamps step 3000 ticks (90 kHz / 30 fps).
    const k = splitAnnexB(units[30]!.data).map((n) => n[0]! & 0x1f);
    expect(k.slice(0, 2)).toEqual([7, 8]);
    expect(k).toContain(5);
    expect(units[1]!.ts90k - units[0]!.ts90k).toBe(3000);
    expect(avcCodecString(splitAnnexB(units[0]!.config!)[0]!)).toMatch(/^avc1\.[0-9A-F]{6}$/);
  });

  it('reassembles byte-exact H.264 that ffprobe decodes frame for frame', () => {
    const { units } = run(packets);
    const file = join(mkdtempSync(join(tmpdir(), 'kx-h264-')), 'out.h264');
    writeFileSync(file, Buffer.concat(units.map((u) => u.data)));
    expect(ffprobeFrames(file)).toBe(FRAMES);
  });

  it('marks frames damaged after seeded loss and recovers at the next keyframe', () => {
    const rnd = seeded(7);
    // Drop ~1 % of packets, but none of the first 40 (the first keyframe arrives whole).
    const dropped = new Set<number>();
    packets.forEach((_, i) => i >= 40 && rnd() < 0.01 && dropped.add(i));
    expect(dropped.size).toBeGreaterThan(0);
    const { units, dep } = run(packets.filter((_, i) => !dropped.has(i)));
    expect(dep.stats.lostPackets).toBe(dropped.size);
    const damaged = units.filter((u) => u.damaged);
    expect(damaged.length).toBeGreaterThan(0);
    // Every frame after a damaged one stays damaged until a whole keyframe; that keyframe is clean.
    for (let i = 1; i < units.length; i++) {
      if (units[i - 1]!.damaged && !units[i]!.keyframe) expect(units[i]!.damaged).toBe(true);
    }
    const lastDamaged = units.map((u) => u.damaged).lastIndexOf(true);
    const recovery = units.findIndex((u, i) => i > lastDamaged && u.keyframe);
    if (recovery >= 0) expect(units.slice(recovery).every((u) => !u.damaged)).toBe(true);
  });

  it('ignores duplicate and late packets', () => {
    const dup = packets.slice(0, 200).flatMap((b, i) => (i === 50 ? [b, b] : [b]));
    const { dep } = run(dup);
    expect(dep.stats.lostPackets).toBe(0);
  });

  it('recognises H.265 from the payload and says so', async () => {
    const hevc = await captureRtp({ size: '320x240', seconds: 1, codec: 'libx265' });
    const { units, dep } = run(hevc);
    expect(dep.codec).toBe('h265');
    expect(units).toHaveLength(0);
  });
});

describe('H.264 depacketizer, synthetic packets', () => {
  const pkt = (seq: number, ts: number, marker: boolean, payload: number[]) => {
    const b = new Uint8Array(12 + payload.length);
    b[0] = 0x80;
    b[1] = (marker ? 0x80 : 0) | 96;
    b[2] = seq >> 8;
    b[3] = seq & 0xff;
    new DataView(b.buffer).setUint32(4, ts);
    b.set(payload, 12);
    return parseRtp(b)!;
  };
  it('a FU-A whose middle fragment is lost yields a damaged unit, and the timestamp wraps', () => {
    const d = new H264Depacketizer();
    d.push(pkt(1, 0xffffff00, false, [0x78, 0, 3, 0x67, 1, 2, 0, 2, 0x68, 9]));
    const a = d.push(pkt(2, 0xffffff00, true, [0x65, 0x88, 1]));
    expect(a[0]).toMatchObject({ keyframe: true, damaged: false });
    d.push(pkt(3, 0x00000100, false, [0x7c, 0x81, 1]));
    const b = d.push(pkt(5, 0x00000100, true, [0x7c, 0x41, 3]));
    expect(b[0]).toBeUndefined(); // the FU never completed: nothing to decode, but the unit is counted damaged
    const c = d.push(pkt(6, 0x00000200, true, [0x41, 0x9a]));
    expect(c[0]).toMatchObject({ keyframe: false, damaged: true });
    expect(c[0]!.ts90k - a[0]!.ts90k).toBe(0x300);
    expect(d.stats.lostPackets).toBe(1);
  });
});
