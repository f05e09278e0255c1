/**
 * The station's video ingest with real sockets: ffmpeg sends RTP/H.264 over UDP to a VideoHub, which records
 * MPEG-TS that ffprobe decodes with a per-frame index; a hub process killed with SIGKILL mid-recording leaves a
 * file that still plays; the test RTSP server (rtsp-server.ts: OPTIONS/DESCRIBE/SETUP/PLAY, RTP interleaved over
 * TCP, relaying ffmpeg's packets) feeds the same path; consoles get binary frames and a JSON status; a slow
 * console skips to the next keyframe instead of queueing. RTSP over UDP, authentication, transport fallback and
 * TEARDOWN: rtsp.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import type { IndexLine } from '../../station/video/recording.js';
import { parseSdpVideo } from '../../station/video/rtsp.js';
import { ffmpegRtp, ffprobeFrames, freeUdpPortPair } from './ffmpeg.js';
import { startRtspServer } from './rtsp-server.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ReturnType<typeof spawn>) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', r)));

describe('video ingest over UDP', () => {
  it('records what ffmpeg sends as MPEG-TS with a per-frame index, and serves frames to consoles', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-'));
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
    expect(hub.ok).toBe(true);
    if (!hub.ok) return;
    const bins: Uint8Array[] = [];
    const texts: string[] = [];
    const detach = hub.value.attach({ sendBinary: (b) => bins.push(b), sendText: (t) => texts.push(t) }, ['JH-01']);
    const ff = ffmpegRtp(port, { size: '640x360', seconds: 2 });
    await exited(ff);
    await wait(200);
    const s = hub.value.stats('JH-01')!;
    expect(s.units).toBe(60);
    expect(s.lost).toBe(0);
    const [status] = hub.value.status();
    expect(status).toMatchObject({ drone: 'JH-01', codec: 'h264', state: 'live', lostPackets: 0 });
    await wait(1100);
    expect(hub.value.status()[0]!.state).toBe('stale');
    expect(JSON.parse(texts[0]!)).toMatchObject({ type: 'video-status' });
    // Consoles: one binary frame per access unit, the first a keyframe with the codec config.
    expect(bins).toHaveLength(60);
    expect(bins[0]![1]! & 5).toBe(5);
    detach();
    await hub.value.close();
    expect(ffprobeFrames(s.recording!)).toBe(60);
    const index = readFileSync(s.recording!.replace(/\.ts$/, '.idx.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexLine);
    expect(index).toHaveLength(60);
    expect(index[0]).toMatchObject({ i: 0, key: true, damaged: false, offset: 0, pts: 90_000 });
    expect(index[59]!.pts - index[0]!.pts).toBe(59 * 3000);
    expect(index[59]!.arrivalMs).toBeGreaterThan(index[0]!.arrivalMs);
  });

  it('a new sender session (new SSRC) starts a new recording; each file plays on its own', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-ssrc-'));
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    for (let run = 0; run < 2; run++) await exited(ffmpegRtp(port, { size: '320x240', seconds: 1 }));
    await wait(200);
    const s = hub.value.stats('JH-01')!;
    await hub.value.close();
    expect(s.lost).toBe(0);
    const files = readdirSync(join(dataDir, 'video')).filter((f) => f.endsWith('.ts')).sort();
    expect(files).toHaveLength(2);
    for (const f of files) expect(ffprobeFrames(join(dataDir, 'video', f))).toBe(30);
  });

  it('a recording cut by kill -9 still plays in ffmpeg', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-kill-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/video/record-child.ts', dataDir, `rtp://127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited: ${out}`)));
    });
    const ff = ffmpegRtp(port, { size: '1280x720' });
    // Cut it once more than 40 frames are recorded (the child prints its count every 200 ms), however slow the
    // machine; bounded, so a stream that never comes fails below instead of hanging.
    const recorded = (): number => Math.max(0, ...[...out.matchAll(/frames (\d+) /g)].map((m) => Number(m[1])));
    for (let i = 0; i < 300 && recorded() <= 45; i++) await wait(100);
    child.kill('SIGKILL');
    await exited(child);
    ff.kill('SIGKILL');
    const file = /frames \d+ (\S+\.ts)/.exec(out)?.[1];
    expect(file).toBeDefined();
    const frames = ffprobeFrames(file!);
    expect(frames).toBeGreaterThan(40);
    // The whole file decodes; at worst its very last frame is cut short.
    const decoded = execFileSync('/usr/bin/ffmpeg', ['-v', 'error', '-i', file!, '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(decoded.toString()).toBe('');
    const lines = readFileSync(file!.replace(/\.ts$/, '.idx.jsonl'), 'utf8').trim().split('\n');
    expect(Math.abs(lines.length - frames)).toBeLessThanOrEqual(1);
  });
});

describe('video ingest over RTSP (interleaved TCP)', () => {
  it('parses the SDP video track', () => {
    const v = parseSdpVideo('v=0\r\nm=audio 0 RTP/AVP 0\r\na=control:a\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAH9kA,aM4G4g==\r\na=control:trackID=1\r\n');
    expect(v).toMatchObject({ control: 'trackID=1', codec: 'h264' });
    expect(v!.params.map((p) => p[0]! & 0x1f)).toEqual([7, 8]);
    expect(parseSdpVideo('v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n')!.codec).toBe('h265');
  });

  it('OPTIONS/DESCRIBE/SETUP/PLAY, then records and forwards the stream', async () => {
    const udpPort = await freeUdpPortPair();
    const relay = await startRtspServer({ feedPort: udpPort });
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-rtsp-'));
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-02', url: relay.url }] });
    expect(hub.ok).toBe(true);
    if (!hub.ok) return;
    for (let i = 0; i < 50 && !relay.methods().includes('PLAY'); i++) await wait(20);
    expect(relay.methods().slice(0, 4)).toEqual(['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY']);
    expect(relay.requests[2]!.headers.get('transport')).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
    const ff = ffmpegRtp(udpPort, { size: '640x360', seconds: 2 });
    await exited(ff);
    await wait(300);
    const s = hub.value.stats('JH-02')!;
    expect(s.units).toBe(60);
    await hub.value.close();
    expect(relay.methods()).toContain('TEARDOWN');
    await relay.close();
    expect(ffprobeFrames(s.recording!)).toBe(60);
  });
});
