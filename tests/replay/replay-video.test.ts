/**
 * Replay of a flight's video over a real WebSocket. A real stream (ffmpeg libx264 → RTP → VideoHub) is recorded
 * into DATA/video as the station records it; tlogs of JH-01 (sysid 11) say when it flew; a console server with
 * replay serves /api/flights and /ws/replay. Checked: the flight lists the recording; frames come out in order
 * from a keyframe, as many as the index holds between the seek point's keyframe and the end, with the original
 * arrival times, and decode (ffprobe); 4× takes about a quarter of the span (printed, not asserted); a seek
 * lands on the right keyframe; pause stops; a flight that starts mid-recording starts at the keyframe before
 * it; a flight without video and an unknown flight say so. The session's slow-socket wait is checked with a
 * fake peer.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SystemClock } from '../../common/clock.js';
import { parseFrame, type WireFrame as Frame } from '../../common/video-wire.js';
import type { FlightSummary, ReplayControl, ReplayStatus } from '../../common/api/contract.js';
import { ReplaySession } from '../../station/replay/video.js';
import { startConsoleServer, type ConsoleServer } from '../../station/server/console-server.js';
import { VideoHub } from '../../station/video/hub.js';
import type { IndexLine } from '../../station/video/recording.js';
import { ffmpegRtp, ffprobeFrames, freeUdpPortPair } from '../video/ffmpeg.js';
import { syntheticTlog } from './synthetic-tlog.js';
import { signIn, testAuth, TEST_PASSWORD, withSession } from '../sign-in.js';
import type { Auth } from '../../station/auth/auth.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await wait(20)) if (f()) return true;
  return f();
}

let dataDir = '';
let index: IndexLine[] = [];
let tsName = '';
let server: ConsoleServer;
let auth: Auth;
let cookie = '';
let flights: FlightSummary[] = [];
const spans: Record<string, { startMs: number; endMs: number }> = {};

/** One replay socket: every frame and status in arrival order, with the wall time it came. */
class Client {
  readonly frames: (Frame & { wallMs: number })[] = [];
  readonly statuses: (ReplayStatus & { wallMs: number; frames: number })[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const now = performance.now();
      if (isBinary) {
        const b = data as Buffer;
        const f = parseFrame(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        if (f) this.frames.push({ ...f, config: f.config && f.config.slice(), data: f.data.slice(), wallMs: now });
      } else this.statuses.push({ ...(JSON.parse(String(data)) as ReplayStatus), wallMs: now, frames: this.frames.length });
    });
    ws.on('close', (code) => (this.closeCode = code));
  }

  static async open(id: string): Promise<Client> {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}ws/replay?flight=${encodeURIComponent(id)}`, withSession(cookie));
    const c = new Client(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return c;
  }

  /** Send a control and wait for the status that answers it (and, with `until`, for a later one). */
  async send(c: ReplayControl, untilState?: ReplayStatus['state']): Promise<ReplayStatus & { wallMs: number; frames: number }> {
    const n = this.statuses.length;
    this.ws.send(JSON.stringify(c));
    expect(await until(() => this.statuses.length > n, 15_000)).toBe(true);
    if (untilState) expect(await until(() => this.statuses.slice(n).some((s) => s.state === untilState), 30_000), `status ${untilState}`).toBe(true);
    return untilState ? this.statuses.slice(n).find((s) => s.state === untilState)! : this.statuses[n]!;
  }

  close(): void {
    this.ws.close();
  }
}

const lastKeyAtOrBefore = (t: number) => {
  let k = -1;
  for (let i = 0; i < index.length && index[i]!.arrivalMs <= t; i++) if (index[i]!.key) k = i;
  return k;
};
const lastAtOrBefore = (t: number) => {
  let k = -1;
  for (let i = 0; i < index.length && index[i]!.arrivalMs <= t; i++) k = i;
  return k;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kx-replay-video-'));
  const port = await freeUdpPortPair();
  const started = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
  if (!started.ok) throw new Error(started.reason);
  const hub = started.value;
  // A keyframe every 10 frames at 30 fps, headers in band (the hub's keyframe requests go to no one).
  const ff = ffmpegRtp(port, { size: '320x240', rate: 30, seconds: 4, gop: 10, extra: ['-x264-params', 'repeat-headers=1'] });
  await new Promise<void>((r) => (ff.exitCode !== null ? r() : ff.once('exit', () => r())));
  await wait(200);
  await hub.close();
  const vdir = join(dataDir, 'video');
  const names = readdirSync(vdir).filter((f) => f.endsWith('.ts'));
  expect(names).toHaveLength(1);
  tsName = names[0]!;
  index = readFileSync(join(vdir, tsName.replace(/\.ts$/, '.idx.jsonl')), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexLine);
  expect(index.length).toBeGreaterThan(60);
  expect(index[0]!.key).toBe(true);
  const a0 = index[0]!.arrivalMs;
  const a1 = index.at(-1)!.arrivalMs;
  // JH-01 (sysid 11): one flight over the whole recording, and (another link's tlog) one that arms mid-recording.
  mkdirSync(join(dataDir, 'tlogs'));
  const whole = syntheticTlog(11, a0 - 3000, a1 + 3000, [{ armMs: a0 - 1000, disarmMs: a1 + 1000 }]);
  writeFileSync(join(dataDir, 'tlogs', '2026-11-24T08-00-00Z_sys11_whole.tlog'), whole.bytes);
  spans.whole = whole.spans[0]!;
  const midArm = index[Math.floor(index.length / 2) + 3]!.arrivalMs + 7;
  const mid = syntheticTlog(11, a0 - 3000, a1 + 3000, [{ armMs: midArm, disarmMs: a1 - 400 }], 100);
  writeFileSync(join(dataDir, 'tlogs', '2026-11-24T08-00-00Z_sys11_mid.tlog'), mid.bytes);
  spans.mid = mid.spans[0]!;
  // JH-02 (sysid 12) flew too, without a camera.
  const novideo = syntheticTlog(12, a0 - 3000, a1 + 3000, [{ armMs: a0, disarmMs: a1 }]);
  writeFileSync(join(dataDir, 'tlogs', '2026-11-24T08-00-00Z_sys12_x.tlog'), novideo.bytes);
  const names2 = new Map([[11, 'JH-01'], [12, 'JH-02']]);
  auth = testAuth(dataDir);
  await auth.addUser('reviewer', 'reviewer', TEST_PASSWORD);
  const r = await startConsoleServer({
    clock: new SystemClock(),
    auth,
    staticDir: dataDir,
    port: 0,
    replay: { dataDir, droneName: (s) => names2.get(s) ?? null },
    source: {
      hello: () => ({ type: 'hello', station: 't', geography: null, simulated: true, version: 't' }),
      snapshot: () => ({ type: 'snapshot', atMs: 0, station: 't', simulated: true, vehicles: [] }),
      onEvent: () => () => undefined,
      command: async () => ({ ok: false, result: 'denied', reason: '' }),
    },
  });
  if (!r.ok) throw new Error(r.reason);
  server = r.value;
  cookie = await signIn(server.url, 'reviewer');
  const res = await fetch(`${server.url}api/flights`, withSession(cookie));
  expect(res.status).toBe(200);
  flights = (await res.json()) as FlightSummary[];
}, 60_000);

afterAll(async () => {
  await server?.close();
  auth?.close();
});

const flight = (tlogPart: string) => flights.find((f) => f.tlog.includes(tlogPart))!;

describe('replay of a recorded flight video over /ws/replay', () => {
  it('lists the recording with the flights of its drone, and not with the others', () => {
    expect(flights).toHaveLength(3);
    expect(flight('_whole')).toMatchObject({ drone: 'JH-01', sysid: 11, startMs: spans.whole!.startMs, endMs: spans.whole!.endMs, truncated: false, video: [tsName], maxAltRelM: 10 });
    expect(flight('_mid')).toMatchObject({ drone: 'JH-01', startMs: spans.mid!.startMs, endMs: spans.mid!.endMs, video: [tsName] });
    expect(flight('_sys12_')).toMatchObject({ drone: 'JH-02', video: [] });
  });

  it('plays the whole flight at 4× in order from a keyframe, every indexed frame, decodable; seeks to the right keyframe; pauses', async () => {
    const f = flight('_whole');
    const c = await Client.open(f.id);
    try {
      expect(await until(() => c.statuses.length > 0, 10_000)).toBe(true);
      expect(c.statuses[0]).toMatchObject({ type: 'replay-status', state: 'paused', atMs: null, reason: '' });

      // Play from the arming: the first frame is 1 s later in flight time, the last ~4 s after that.
      const t0 = performance.now();
      const playing = await c.send({ type: 'play', atMs: f.startMs, rate: 4 }, 'ended');
      const ended = c.statuses.at(-1)!;
      expect(c.statuses.slice(1).map((s) => s.state)).toEqual(['playing', 'ended']);
      expect(playing.state).toBe('ended');
      const got = c.frames;
      expect(got).toHaveLength(index.length);
      expect(got.map((x) => x.seq)).toEqual(index.map((_, i) => i));
      expect(got.map((x) => x.arrivalMs)).toEqual(index.map((l) => l.arrivalMs));
      expect(got.map((x) => x.keyframe)).toEqual(index.map((l) => l.key));
      expect(got[0]!.keyframe).toBe(true);
      expect(got.every((x) => x.drone === 'JH-01' && x.codec === 'h264' && !x.damaged)).toBe(true);
      expect(got.filter((x) => x.keyframe).every((x) => x.config !== null && (x.config[4]! & 0x1f) === 7)).toBe(true);
      for (let k = 1; k < got.length; k++) expect(got[k]!.timestampUs).toBeGreaterThan(got[k - 1]!.timestampUs);
      expect(ended.atMs).toBe(index.at(-1)!.arrivalMs);
      const wallMs = ended.wallMs - t0;
      const flightMs = index.at(-1)!.arrivalMs - f.startMs;
      console.log(`replay at 4×: ${got.length} frames, ${flightMs.toFixed(0)} ms of flight time in ${wallMs.toFixed(0)} ms (${(flightMs / 4).toFixed(0)} ms at exactly 4×)`);
      // The frames as sent are the recorded stream: ffprobe decodes every one.
      const h264 = join(dataDir, 'replayed.h264');
      writeFileSync(h264, Buffer.concat(got.map((x) => x.data)));
      expect(ffprobeFrames(h264)).toBe(index.length);

      // Seek (paused, after the end): the keyframe at or before the point, then every frame up to it, at once.
      const midT = index[Math.floor(index.length * 0.6)]!.arrivalMs + 1;
      const key = lastKeyAtOrBefore(midT);
      const last = lastAtOrBefore(midT);
      expect(index[key]!.key).toBe(true);
      const n0 = c.frames.length;
      const seek = await c.send({ type: 'seek', atMs: midT });
      expect(seek).toMatchObject({ state: 'paused', atMs: index[last]!.arrivalMs });
      expect(c.frames.slice(n0).map((x) => x.seq)).toEqual(Array.from({ length: last - key + 1 }, (_, i) => key + i));
      expect(c.frames[n0]!.keyframe).toBe(true);
      console.log(`seek to frame ${last} (keyframe ${key}): ${last - key + 1} frames in ${(seek.wallMs - c.frames[n0]!.wallMs).toFixed(0)} ms`);

      // Play on from there at 16×: no second keyframe, the frames after it to the end.
      const n1 = c.frames.length;
      await c.send({ type: 'play', atMs: seek.atMs!, rate: 16 }, 'ended');
      expect(c.frames.slice(n1).map((x) => x.seq)).toEqual(Array.from({ length: index.length - last - 1 }, (_, i) => last + 1 + i));

      // Pause while playing at 1×, where the console's clock is (the newest frame it got): it has that picture,
      // so nothing is sent again, and nothing more after the answer.
      const n2 = c.frames.length;
      await c.send({ type: 'play', atMs: f.startMs, rate: 1 });
      expect(await until(() => c.frames.length >= n2 + 5, 10_000)).toBe(true);
      const pause = await c.send({ type: 'pause', atMs: c.frames.at(-1)!.arrivalMs });
      expect(pause.state).toBe('paused');
      const after = pause.frames;
      expect(pause.atMs).toBe(c.frames[after - 1]!.arrivalMs);
      await wait(400);
      expect(c.frames.length).toBe(after);
      expect(c.frames.slice(n2).map((x) => x.seq)).toEqual(Array.from({ length: after - n2 }, (_, i) => i));

      // A seek before the first frame (the arming, a second before the camera's first frame): the first picture.
      const n3 = c.frames.length;
      const early = await c.send({ type: 'seek', atMs: f.startMs });
      expect(early).toMatchObject({ state: 'paused', atMs: index[0]!.arrivalMs });
      expect(c.frames.slice(n3).map((x) => x.seq)).toEqual([0]);

      // A bad control is answered and changes nothing; a rate out of range is clamped and said.
      expect(await c.send({ type: 'jump', atMs: 1 } as unknown as ReplayControl)).toMatchObject({ state: 'error', reason: expect.stringContaining('unknown control type') });
      const fast = await c.send({ type: 'play', atMs: index.at(-1)!.arrivalMs, rate: 100 });
      expect(fast).toMatchObject({ state: 'playing', reason: expect.stringContaining('playing at 16') });
    } finally {
      c.close();
    }
  }, 60_000);

  it('a flight that arms mid-recording starts at the keyframe before its arming and ends at its disarm', async () => {
    const f = flight('_mid');
    const c = await Client.open(f.id);
    try {
      const key = lastKeyAtOrBefore(f.startMs);
      const last = lastAtOrBefore(f.endMs);
      expect(index[key]!.arrivalMs).toBeLessThan(f.startMs);
      const startedAt = await c.send({ type: 'play', atMs: f.startMs, rate: 16 }, 'ended');
      expect(startedAt.state).toBe('ended');
      const seqs = c.frames.map((x) => x.seq);
      // seq counts from the timeline's first frame: that keyframe.
      expect(seqs).toEqual(Array.from({ length: last - key + 1 }, (_, i) => i));
      expect(c.frames.map((x) => x.arrivalMs)).toEqual(index.slice(key, last + 1).map((l) => l.arrivalMs));
      expect(c.frames[0]!.keyframe).toBe(true);
      // The frames up to the arming went at once, before 'playing'.
      const burst = lastAtOrBefore(f.startMs) - key + 1;
      expect(c.statuses.find((s) => s.state === 'playing')!.frames).toBe(burst);
    } finally {
      c.close();
    }
  }, 30_000);

  it('a flight without video says no-video; an unknown flight is an error naming it and the socket closes', async () => {
    const c = await Client.open(flight('_sys12_').id);
    try {
      expect(await until(() => c.statuses.length > 0, 10_000)).toBe(true);
      expect(c.statuses[0]).toMatchObject({ state: 'no-video', atMs: null, reason: 'no video was recorded during this flight' });
      expect(await c.send({ type: 'play', atMs: 0, rate: 1 })).toMatchObject({ state: 'no-video' });
      expect(c.frames).toHaveLength(0);
    } finally {
      c.close();
    }
    for (const bad of ['nope~1', '../../etc/passwd~1', flight('_whole').id.replace(/~1$/, '~9')]) {
      const b = await Client.open(bad);
      expect(await until(() => b.closeCode !== undefined, 10_000)).toBe(true);
      expect(b.statuses).toEqual([expect.objectContaining({ type: 'replay-status', state: 'error', atMs: null, reason: `unknown flight "${bad}"` })]);
      expect(b.closeCode).toBe(4404);
    }
  }, 30_000);

  it('a peer that backs up makes the session wait: nothing is sent while more than 1 MB is queued', async () => {
    const f = flight('_whole');
    let queued = 0;
    const sent: Frame[] = [];
    const statuses: ReplayStatus[] = [];
    const s = new ReplaySession({
      videoDir: join(dataDir, 'video'),
      video: f.video,
      startMs: f.startMs,
      endMs: f.endMs,
      drone: 'JH-01',
      peer: {
        sendBinary: (b) => {
          const copy = b.slice();
          sent.push(parseFrame(copy.buffer)!);
          queued += 400_000;
        },
        sendText: (t) => statuses.push(JSON.parse(t) as ReplayStatus),
        buffered: () => queued,
      },
    });
    try {
      await s.loaded();
      s.control({ type: 'play', atMs: index[0]!.arrivalMs, rate: 16 });
      // 400 kB a frame: the third one waits until the peer drains.
      expect(await until(() => sent.length === 3, 5000)).toBe(true);
      await wait(300);
      expect(sent).toHaveLength(3);
      queued = 0;
      expect(await until(() => sent.length >= 6, 5000)).toBe(true);
      const drain = setInterval(() => (queued = 0), 5);
      expect(await until(() => statuses.some((x) => x.state === 'ended'), 15_000)).toBe(true);
      clearInterval(drain);
      expect(sent.map((x) => x.seq)).toEqual(index.map((_, i) => i));
    } finally {
      s.close();
    }
  }, 30_000);
});
