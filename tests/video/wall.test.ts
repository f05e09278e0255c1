/**
 * The wall's previews (issue 18) with real sockets and ffmpeg sources: a console showing a drone as a preview
 * gets the main stream's keyframes only (flagged key-only), or the camera's sub-stream when the fleet gives one
 * (flagged sub, never recorded); moving the drone into focus switches to the full-rate stream starting at a
 * keyframe; the /ws/video mode message is checked before use.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFrame, type WireFrame as Frame } from '../../common/video-wire.js';
import { VideoHub, type VideoPeer } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import { parseVideoMode } from '../../common/video-wire.js';
import { ffmpegRtp, freeUdpPortPair } from './ffmpeg.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ReturnType<typeof spawn>) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', r)));
const frameOf = (b: Uint8Array) => parseFrame(b.slice().buffer)!;

function collector(onFrame?: (f: Frame, peer: VideoPeer) => void): { peer: VideoPeer; frames: Frame[] } {
  const frames: Frame[] = [];
  const peer: VideoPeer = {
    sendBinary: (b) => {
      const f = frameOf(b);
      frames.push(f);
      onFrame?.(f, peer);
    },
    sendText: () => undefined,
  };
  return { peer, frames };
}

describe('wall previews', () => {
  it('a preview gets keyframes only; into focus it gets every frame from the next keyframe on', async () => {
    const port = await freeUdpPortPair();
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir: mkdtempSync(join(tmpdir(), 'kx-wall-')), sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    const full = collector();
    const preview = collector();
    let switchedAt = -1;
    // The switching peer starts as a preview and comes into focus after its second keyframe.
    const focus = collector((f, peer) => {
      if (switchedAt < 0 && focus.frames.filter((x) => x.keyframe).length === 2) {
        switchedAt = focus.frames.length;
        hub.value.setMode(peer, 'JH-01', 'full');
      }
    });
    hub.value.attach(full.peer, ['JH-01']);
    hub.value.attach(preview.peer, ['JH-01'], ['JH-01']);
    hub.value.attach(focus.peer, ['JH-01'], ['JH-01']);
    await exited(ffmpegRtp(port, { size: '320x240', seconds: 2, gop: 10 }));
    await wait(200);
    await hub.value.close();

    expect(full.frames).toHaveLength(60);
    expect(full.frames.every((f) => f.preview === undefined)).toBe(true);
    const keys = full.frames.filter((f) => f.keyframe).length;
    expect(keys).toBeGreaterThanOrEqual(6);
    // The preview: exactly the keyframes, each marked as a key-only preview, each with its codec config.
    expect(preview.frames).toHaveLength(keys);
    expect(preview.frames.every((f) => f.keyframe && f.preview === 'key' && f.config !== null)).toBe(true);
    expect(preview.frames.map((f) => f.seq)).toEqual(full.frames.filter((f) => f.keyframe).map((f) => f.seq));
    // Into focus: the first frame after the switch is a keyframe, and from it on every frame arrives, unflagged.
    expect(switchedAt).toBeGreaterThan(0);
    const after = focus.frames.slice(switchedAt);
    expect(after[0]!.keyframe).toBe(true);
    expect(after.every((f) => f.preview === undefined)).toBe(true);
    const from = full.frames.findIndex((f) => f.seq === after[0]!.seq);
    expect(after.map((f) => f.seq)).toEqual(full.frames.slice(from).map((f) => f.seq));
    // Back out of focus is the same switch the other way; setMode on an unknown peer is ignored.
    hub.value.setMode(collector().peer, 'JH-01', 'preview');
  });

  it('a preview shows the sub-stream while it is live; the sub-stream is never recorded', async () => {
    const port = await freeUdpPortPair();
    const subPort = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-wall-sub-'));
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-02', url: `rtp://127.0.0.1:${port}`, subUrl: `rtp://127.0.0.1:${subPort}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    const full = collector();
    const preview = collector();
    hub.value.attach(full.peer, ['JH-02']);
    hub.value.attach(preview.peer, ['JH-02'], ['JH-02']);
    const subSender = ffmpegRtp(subPort, { size: '160x90', seconds: 2, gop: 30 });
    await wait(300);
    await Promise.all([exited(ffmpegRtp(port, { size: '320x240', seconds: 1.5, gop: 30 })), exited(subSender)]);
    await wait(200);
    const status = hub.value.status()[0]!;
    await hub.value.close();

    expect(status.sub?.url).toBe(`rtp://127.0.0.1:${subPort}`);
    expect(full.frames).toHaveLength(45);
    expect(full.frames.every((f) => f.preview === undefined)).toBe(true);
    // Every preview frame comes from the sub-stream (it was live before the main stream began), from a keyframe.
    expect(preview.frames.length).toBeGreaterThan(45);
    expect(preview.frames.every((f) => f.preview === 'sub')).toBe(true);
    expect(preview.frames[0]!.keyframe).toBe(true);
    expect(readdirSync(join(dataDir, 'video')).filter((f) => f.endsWith('.ts'))).toHaveLength(1);
  });

  it('a bad sub-stream URL is an error value naming the drone', async () => {
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir: mkdtempSync(join(tmpdir(), 'kx-wall-bad-')), sources: [{ drone: 'JH-03', url: 'rtp://127.0.0.1:0', subUrl: 'http://nope' }] });
    expect(hub.ok).toBe(false);
    if (!hub.ok) expect(hub.reason).toContain('video_sub of JH-03');
  });

  it('reads a console mode message only when it is well formed', () => {
    expect(parseVideoMode('{"type":"mode","drone":"JH-01","mode":"preview"}')).toEqual({ type: 'mode', drone: 'JH-01', mode: 'preview' });
    expect(parseVideoMode('{"type":"mode","drone":"JH-01","mode":"fast"}')).toBeUndefined();
    expect(parseVideoMode('{"type":"mode","drone":7,"mode":"full"}')).toBeUndefined();
    expect(parseVideoMode('null')).toBeUndefined();
    expect(parseVideoMode('not json')).toBeUndefined();
    expect(parseVideoMode(`{"type":"mode","drone":"${'x'.repeat(600)}","mode":"full"}`)).toBeUndefined();
  });
});
