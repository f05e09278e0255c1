/**
 * RTCP with a sender that speaks it (the test plays one, replaying ffmpeg's packets from its own socket): a
 * sender report maps RTP time to the sender's wall clock, so the recording's index carries each frame's capture
 * time; a lost packet makes the station send PLI + FIR for the stream's SSRC to the sender's RTCP address.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import type { IndexLine } from '../../station/video/recording.js';
import { parseRtp } from '../../station/video/rtp.js';
import { captureRtp, freeUdpPortPair } from './ffmpeg.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function senderReport(ssrc: number, unixMs: number, rtpTs: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  const sec = Math.floor(unixMs / 1000) + 2_208_988_800;
  b.writeUInt32BE(sec >>> 0, 8);
  b.writeUInt32BE(Math.floor(((unixMs % 1000) / 1000) * 2 ** 32) >>> 0, 12);
  b.writeUInt32BE(rtpTs >>> 0, 16);
  return b;
}

describe('RTCP', () => {
  it('capture times from sender reports; PLI and FIR after loss', async () => {
    const packets = await captureRtp({ size: '320x240', seconds: 2 });
    const first = parseRtp(packets[0]!)!;
    const port = await freeUdpPortPair();
    const senderPort = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-rtcp-'));
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-03', url: `rtp://127.0.0.1:${port}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    const rtp = createSocket('udp4');
    const rtcp = createSocket('udp4');
    await new Promise<void>((r) => rtp.bind(senderPort, '127.0.0.1', () => r()));
    await new Promise<void>((r) => rtcp.bind(senderPort + 1, '127.0.0.1', () => r()));
    const feedback: Buffer[] = [];
    rtcp.on('message', (m) => feedback.push(m));
    // The sender's clock said 2026-01-01T00:00:00Z at the first packet's RTP time.
    const t0 = Date.UTC(2026, 0, 1);
    rtcp.send(senderReport(first.ssrc, t0, first.timestamp), port + 1, '127.0.0.1');
    await wait(50);
    for (let i = 0; i < packets.length; i++) {
      if (i === 80) continue; // one lost packet
      rtp.send(packets[i]!, port, '127.0.0.1');
      if (i % 20 === 0) await wait(2);
    }
    await wait(300);
    const file = hub.value.stats('JH-03')!.recording!;
    await hub.value.close();
    rtp.close();
    rtcp.close();
    const index = readFileSync(file.replace(/\.ts$/, '.idx.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexLine);
    expect(index[0]!.captureMs).toBe(t0);
    expect(index[30]!.captureMs! - t0).toBeCloseTo(1000, 0);
    expect(index.some((l) => l.damaged)).toBe(true);
    // RR + PLI (PSFB FMT 1) + FIR (PSFB FMT 4), naming the stream's SSRC.
    expect(feedback.length).toBeGreaterThan(0);
    const fb = feedback[0]!;
    expect([fb[1], fb[8]! & 0x1f, fb[9], fb[20]! & 0x1f, fb[21]]).toEqual([201, 1, 206, 4, 206]);
    expect(fb.readUInt32BE(16)).toBe(first.ssrc);
    expect(fb.readUInt32BE(32)).toBe(first.ssrc);
  });
});
