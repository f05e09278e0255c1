/**
 * The byte formats of the video path (the binary frame to consoles is tested in common/video-wire.test.ts):
 * the MPEG-TS muxer emits whole 188-byte packets with a
 * correct PSI CRC, continuity counters and exact stuffing for every payload size; the snapshot PNG keeps its
 * tags; the hub reports an H.265 source as unsupported in plain words.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotName, tagPng } from '../../renderer/video/snapshot.js';
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import { crc32Mpeg, TS_PACKET, TsMuxer, VIDEO_PID } from '../../station/video/mpegts.js';
import { ffmpegRtp, freeUdpPortPair } from './ffmpeg.js';

describe('video byte formats', () => {
  it('MPEG-TS: PAT CRC, whole packets, continuity and stuffing for every size', () => {
    // CRC-32/MPEG-2 check value of "123456789".
    expect(crc32Mpeg(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
    const mux = new TsMuxer();
    let cc = -1;
    for (let n = 1; n < 600; n++) {
      const ts = mux.accessUnit(new Uint8Array(n).fill(7), 90_000 + n * 3000, n % 50 === 1);
      expect(ts.length % TS_PACKET).toBe(0);
      let payload = 0;
      for (let o = 0; o < ts.length; o += TS_PACKET) {
        expect(ts[o]).toBe(0x47);
        const pid = ((ts[o + 1]! & 0x1f) << 8) | ts[o + 2]!;
        if (pid !== VIDEO_PID) continue;
        const c = ts[o + 3]! & 0x0f;
        if (cc >= 0) expect(c).toBe((cc + 1) & 0x0f);
        cc = c;
        const afc = (ts[o + 3]! >> 4) & 3;
        const start = afc === 3 ? 5 + ts[o + 4]! : 4;
        payload += TS_PACKET - start;
      }
      expect(payload).toBe(14 + n); // PES header (with PTS) + the access unit, no byte more
    }
  });

  it('snapshot PNG: file name with drone, time and position; tags after IHDR', () => {
    expect(snapshotName('JH-01', Date.UTC(2026, 10, 23, 3, 4, 5), 24.5855, 118.2575)).toBe('JH-01_2026-11-23T03-04-05Z_24.585500N_118.257500E.png');
    const png = new Uint8Array(8 + 25 + 12);
    const tagged = tagPng(png, { Location: '24.5,118.2' });
    expect(Buffer.from(tagged.subarray(33 + 4, 33 + 8)).toString()).toBe('tEXt');
    expect(tagged.length).toBe(png.length + 12 + 'Location\x0024.5,118.2'.length);
  });

  it('an H.265 source is reported as unsupported, plainly', async () => {
    const port = await freeUdpPortPair();
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir: mkdtempSync(join(tmpdir(), 'kx-h265-')), sources: [{ drone: 'JH-05', url: `rtp://127.0.0.1:${port}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    const ff = ffmpegRtp(port, { size: '320x240', seconds: 1, codec: 'libx265' });
    await new Promise((r) => ff.on('exit', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(hub.value.status()[0]).toMatchObject({ codec: 'h265', state: 'unsupported', reason: 'H.265: not decodable in Chromium without hardware', recording: null });
    await hub.value.close();
  });
});
