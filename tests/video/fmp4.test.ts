/**
 * The fragmented-MP4 muxer (station/video/fmp4.ts, the MSE path) on H.264 that libx264 really encodes,
 * captured as RTP and depacketized as the station does: ffprobe reads the codec, the cropped size and every
 * frame back, ffmpeg decodes the file without a single error, and the SPS parser agrees with ffprobe on
 * sizes that need frame cropping, for High and Baseline profiles. The box structure is checked byte by byte:
 * every size adds up, trun's data offset lands on the mdat payload, tfdt and mfhd increase, sync flags
 * follow keyframes, and SPS/PPS/AUD never reach a sample.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fmp4Muxer, initSegment, parameterSets, parseSps, toLengthPrefixed } from '../../station/video/fmp4.js';
import { H264Depacketizer, annexB, splitAnnexB, type AccessUnit } from '../../station/video/h264.js';
import { parseRtp } from '../../station/video/rtp.js';
import { captureRtp, type FfmpegOptions } from './ffmpeg.js';

async function accessUnits(o: FfmpegOptions): Promise<AccessUnit[]> {
  const dep = new H264Depacketizer();
  const units: AccessUnit[] = [];
  for (const b of await captureRtp(o)) {
    const p = parseRtp(b);
    if (p) units.push(...dep.push(p));
  }
  return units;
}

function mux(units: AccessUnit[]): { file: Uint8Array; fragments: Uint8Array[]; init: Uint8Array } {
  const ps = parameterSets(units[0]!.config!)!;
  const init = initSegment(ps.sps, ps.pps);
  const m = new Fmp4Muxer();
  const fragments = units.map((u) => m.fragment(u));
  return { init, fragments, file: Buffer.concat([init, ...fragments]) };
}

interface Box {
  type: string;
  start: number;
  size: number;
  children: Box[];
}
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'dinf', 'stbl', 'mvex', 'moof', 'traf']);

/** Parses boxes in b[start, end): every size must fit exactly, or this throws. */
function boxes(b: Uint8Array, start = 0, end = b.length): Box[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Box[] = [];
  let o = start;
  while (o < end) {
    if (o + 8 > end) throw new Error(`box header overruns at ${o}`);
    const size = v.getUint32(o);
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (size < 8 || o + size > end) throw new Error(`${type} at ${o}: size ${size} overruns ${end}`);
    out.push({ type, start: o, size, children: CONTAINERS.has(type) ? boxes(b, o + 8, o + size) : [] });
    o += size;
  }
  return out;
}
const find = (bs: Box[], path: string[]): Box => {
  const b = bs.find((x) => x.type === path[0]);
  if (!b) throw new Error(`no ${path[0]}`);
  return path.length === 1 ? b : find(b.children, path.slice(1));
};

function probe(file: string): { codec_name: string; width: number; height: number; nb_read_frames: string; profile: string } {
  const out = execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-count_frames', '-of', 'json', file]).toString();
  return (JSON.parse(out) as { streams: ReturnType<typeof probe>[] }).streams[0]!;
}

describe('fMP4 muxer on libx264 output', () => {
  const cases: [string, FfmpegOptions, string][] = [
    ['High, 640x360 (bottom crop)', { size: '640x360', seconds: 2 }, 'High'],
    ['Baseline, 400x226 (crop on both axes)', { size: '400x226', seconds: 2, extra: ['-profile:v', 'baseline'] }, 'Constrained Baseline'],
  ];
  for (const [name, o, profile] of cases) {
    it(`${name}: ffprobe reads codec, size and every frame; ffmpeg decodes it without errors`, async () => {
      const units = await accessUnits(o);
      expect(units).toHaveLength(60);
      const [w, h] = o.size!.split('x').map(Number);
      const sps = parameterSets(units[0]!.config!)!.sps;
      expect(parseSps(sps)).toMatchObject({ width: w, height: h, chromaFormat: 1, bitDepthLuma: 8 });
      const file = join(mkdtempSync(join(tmpdir(), 'kx-fmp4-')), 'f.mp4');
      writeFileSync(file, mux(units).file);
      expect(probe(file)).toMatchObject({ codec_name: 'h264', width: w, height: h, nb_read_frames: '60', profile });
      const dec = spawnSync('/usr/bin/ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
      expect(dec.status).toBe(0);
      expect(dec.stderr.toString()).toBe('');
    });
  }

  it('box structure: sizes add up, trun points into mdat, tfdt and mfhd increase, sync flags on keyframes', async () => {
    const units = await accessUnits({ size: '320x240', seconds: 2 });
    const { init, fragments } = mux(units);
    const top = boxes(init).map((b) => b.type);
    expect(top).toEqual(['ftyp', 'moov']);
    const ib = boxes(init);
    const avc1 = find(ib, ['moov', 'trak', 'mdia', 'minf', 'stbl']);
    expect(String.fromCharCode(...init.subarray(avc1.start + 8 + 16 + 4, avc1.start + 8 + 16 + 8))).toBe('avc1');
    expect(new DataView(init.buffer).getUint32(find(ib, ['moov', 'trak', 'mdia']).start + 8 + 12 + 8)).toBe(90_000); // mdhd timescale
    find(ib, ['moov', 'mvex', 'trex']);
    let lastTfdt = -1;
    fragments.forEach((f, i) => {
      const bs = boxes(f);
      expect(bs.map((b) => b.type)).toEqual(['moof', 'mdat']);
      const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
      expect(v.getUint32(find(bs, ['moof', 'mfhd']).start + 12)).toBe(i + 1);
      const tfdt = find(bs, ['moof', 'traf', 'tfdt']);
      expect(f[tfdt.start + 8]).toBe(1); // version 1: 64-bit decode time
      const t = v.getUint32(tfdt.start + 12) * 2 ** 32 + v.getUint32(tfdt.start + 16);
      expect(t).toBe(units[i]!.ts90k - units[0]!.ts90k);
      expect(t).toBeGreaterThan(lastTfdt);
      lastTfdt = t;
      const trun = find(bs, ['moof', 'traf', 'trun']).start;
      expect(v.getUint32(trun + 12)).toBe(1); // one sample
      const dataOffset = v.getUint32(trun + 16);
      const mdat = bs[1]!;
      expect(dataOffset).toBe(mdat.start + 8);
      expect(v.getUint32(trun + 24)).toBe(mdat.size - 8); // sample size = the whole mdat payload
      expect(v.getUint32(trun + 28)).toBe(units[i]!.keyframe ? 0x02000000 : 0x01010000);
      // The sample is the access unit's slices, length-prefixed, and nothing else.
      const slices = splitAnnexB(units[i]!.data).filter((n) => ![7, 8, 9].includes(n[0]! & 0x1f));
      let o = dataOffset;
      for (const n of slices) {
        expect(v.getUint32(o)).toBe(n.length);
        expect(Buffer.compare(f.subarray(o + 4, o + 4 + n.length), n)).toBe(0);
        o += 4 + n.length;
      }
      expect(o).toBe(f.length);
    });
    expect(units.filter((u) => u.keyframe).length).toBe(2);
  });

  it('Annex B → length-prefixed drops SPS, PPS and AUD, keeps SEI and slices', () => {
    const au = annexB([new Uint8Array([0x09, 0xf0]), new Uint8Array([0x67, 1, 2]), new Uint8Array([0x68, 3]), new Uint8Array([0x06, 5, 0x80]), new Uint8Array([0x65, 7, 8, 9])]);
    expect([...toLengthPrefixed(au)]).toEqual([0, 0, 0, 3, 0x06, 5, 0x80, 0, 0, 0, 4, 0x65, 7, 8, 9]);
  });

  it('SPS parser: Exp-Golomb fields across emulation prevention bytes, frame cropping', () => {
    // A hand-written Baseline SPS whose huge width code is long runs of zero bits: escaped as H.264 §7.4.1 does.
    const bits: number[] = [];
    const u = (n: number, x: number) => {
      for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(x / 2 ** i) % 2);
    };
    const ue = (x: number) => {
      const len = Math.floor(Math.log2(x + 1));
      u(len, 0);
      u(len + 1, x + 1);
    };
    u(8, 0x67);
    u(8, 66);
    u(8, 0xc0);
    u(8, 30);
    ue(0); // sps id
    ue(0); // log2_max_frame_num_minus4
    ue(2); // pic_order_cnt_type
    ue(1); // max_num_ref_frames
    u(1, 0);
    ue(2 ** 30); // pic_width_in_mbs_minus1
    ue(44); // pic_height_in_map_units_minus1
    u(3, 0b111); // frame_mbs_only, direct_8x8, frame_cropping
    [1, 2, 0, 3].forEach(ue);
    u(2, 0b01); // no VUI, stop bit
    while (bits.length % 8) bits.push(0);
    const raw: number[] = [];
    for (let i = 0; i < bits.length; i += 8) raw.push(parseInt(bits.slice(i, i + 8).join(''), 2));
    const escaped: number[] = [];
    let z = 0;
    for (const x of raw) {
      if (z >= 2 && x <= 3) {
        escaped.push(3);
        z = 0;
      }
      escaped.push(x);
      z = x === 0 ? z + 1 : 0;
    }
    expect(escaped.length).toBeGreaterThan(raw.length); // the test needs at least one 00 00 03
    expect(parseSps(new Uint8Array(escaped))).toEqual({ profile: 66, compat: 0xc0, level: 30, chromaFormat: 1, bitDepthLuma: 8, bitDepthChroma: 8, width: (2 ** 30 + 1) * 16 - 2 * 3, height: 45 * 16 - 2 * 3 });
  });
});
