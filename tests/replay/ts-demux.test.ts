/**
 * The replay demuxer against our own muxer (station/video/mpegts.ts): every access unit comes back byte for
 * byte with its PTS, for sizes around the packet boundaries, keyframes (PAT/PMT before them) or not, PTS past
 * the 33-bit wrap; anything that is not whole TS packets of one PES is an error value, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { demuxFrame, newDemuxState } from '../../station/replay/ts-demux.js';
import { TS_PACKET, TsMuxer } from '../../station/video/mpegts.js';

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let k = 0; k < n; k++) b[k] = (x = (x * 1664525 + 1013904223) >>> 0) >>> 24;
  // Annex B start and sync bytes inside the payload must not confuse anything.
  if (n > 8) b.set([0, 0, 0, 1, 0x65, 0x47, 0x47, 0x40], 0);
  return b;
}

describe('TS demuxer for our recordings', () => {
  it('gives back each access unit and its PTS', () => {
    const mux = new TsMuxer();
    const state = newDemuxState();
    const sizes = [1, 2, 7, 100, 160, 169, 170, 171, 183, 184, 185, 350, 353, 354, 355, 536, 1000, 4096, 65_536, 300_001];
    for (const [k, n] of sizes.entries()) {
      const key = k % 3 === 0;
      const pts = k === sizes.length - 1 ? 2 ** 33 - 1 : 90_000 + k * 3000;
      const au = bytes(n, k + 1);
      const ts = mux.accessUnit(au, pts, key);
      expect(ts.length % TS_PACKET).toBe(0);
      const r = demuxFrame(ts, state);
      expect(r.ok, `size ${n}`).toBe(true);
      if (!r.ok) continue;
      expect(r.value.pts, `size ${n}`).toBe(pts);
      expect(r.value.codec).toBe('h264');
      expect(Buffer.from(r.value.data).equals(Buffer.from(au)), `size ${n}`).toBe(true);
    }
  });

  it('reads the stream type from the PMT (H.265 recordings say so)', () => {
    const r = demuxFrame(new TsMuxer('h265').accessUnit(bytes(500, 9), 90_000, true), newDemuxState());
    expect(r.ok && r.value.codec).toBe('h265');
  });

  it('refuses what is not one frame of whole packets', () => {
    const mux = new TsMuxer();
    const a = mux.accessUnit(bytes(1000, 1), 90_000, true);
    const b = mux.accessUnit(bytes(1000, 2), 93_000, false);
    expect(demuxFrame(a.subarray(0, a.length - 1))).toMatchObject({ ok: false, code: 'bad-size' });
    expect(demuxFrame(new Uint8Array(0))).toMatchObject({ ok: false, code: 'bad-size' });
    const bad = a.slice();
    bad[TS_PACKET * 2] = 0;
    expect(demuxFrame(bad)).toMatchObject({ ok: false, code: 'sync' });
    const two = new Uint8Array(a.length + b.length);
    two.set(a);
    two.set(b, a.length);
    expect(demuxFrame(two)).toMatchObject({ ok: false, code: 'two-pes' });
    expect(demuxFrame(b.subarray(TS_PACKET))).toMatchObject({ ok: false, code: 'no-start' });
    expect(demuxFrame(a.subarray(0, TS_PACKET * 2))).toMatchObject({ ok: false, code: 'no-pes' });
  });
});
