/**
 * Replay of a flight's video over a real WebSocket. A real stream (ffmpeg libx264 → RTP → VideoHub) is recorded
 * into DATA/video as the station records it; tlogs of JH-01 (sysid 11) say when it flew; a console server with
 * replay serves /api/flights and /ws/replay. Checked: the flight lists the recording; frames come out in order
 * from a keyframe, as many as the index holds between the seek point's keyframe and the end, with the original
 * arrival times, and decode (ffprobe); 4× takes about a quarter of the span (printed, not asserted); a seek
 * lands on the right keyframe; pause stops; a flight that starts mid-recording starts at the keyframe before
 * it; a flight without video and an unknown flight say so. The session's slow-socket wait is checked with a
 * fake peer. The recording is made by recorded-flight.ts.
 *
 * The same over the desktop app's replay port (station/server/replay-port.ts, as electron/main.ts serves it),
 * with the page's end driven by the renderer's own router (renderer/replay/port.ts) over a Node MessageChannel:
 * the same frames as the socket; every malformed message refused with its reason and the stream going on; a
 * viewer refused on the port as on /ws/replay (the replay right); closing the port stops the stream.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SystemClock } from '../../common/clock.js';
import { parseFrame, type WireFrame as Frame } from '../../common/video-wire.js';
import type { FlightSummary, ReplayControl, ReplayStatus } from '../../common/api/contract.js';
import { ReplaySession } from '../../station/replay/video.js';
import { startConsoleServer, type ConsoleServer } from '../../station/server/console-server.js';
import type { IndexLine } from '../../station/video/recording.js';
import { ffprobeFrames } from '../video/ffmpeg.js';
import { syntheticTlog } from './synthetic-tlog.js';
import { recordFlight } from './recorded-flight.js';
import { ReplayPortRouter, type ReplayConnection } from '../../renderer/replay/port.js';
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
  // JH-01 (sysid 11): one flight over the whole recording (recorded-flight.ts), and (another link's tlog) one
  // that arms mid-recording.
  const recorded = await recordFlight(dataDir);
  ({ tsName, index } = recorded);
  expect(index.length).toBeGreaterThan(60);
  expect(index[0]!.key).toBe(true);
  const a0 = index[0]!.arrivalMs;
  const a1 = index.at(-1)!.arrivalMs;
  spans.whole = recorded.span;
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
  await auth.addUser('viewer', 'viewer', TEST_PASSWORD);
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

/** The station end of one replay port (as electron/main.ts makes it) and the page's end, through the renderer's router. */
function replayPort(token: string) {
  const { port1, port2 } = new MessageChannel();
  let posted = 0;
  let portClosed = false;
  let postedAfterClose = 0;
  const close = server.attachReplay(
    {
      postText: (t) => (portClosed ? postedAfterClose++ : port1.postMessage(t)),
      postBinary: (b) => {
        posted++;
        if (portClosed) postedAfterClose++;
        else port1.postMessage(b.slice().buffer);
      },
      onMessage: (cb) => {
        const h = (e: MessageEvent) => cb(e.data);
        port1.addEventListener('message', h);
        return () => port1.removeEventListener('message', h);
      },
    },
    token,
  );
  port1.start();
  // The page closes its end: the station's end hears it and stops (what electron/main.ts wires).
  port1.addEventListener('close', () => {
    portClosed = true;
    close();
  });
  const router = new ReplayPortRouter(port2);
  const frames: Frame[] = [];
  const statuses: ReplayStatus[] = [];
  let opened = 0;
  let closedCount = 0;
  const open = (flightId: string): ReplayConnection =>
    router.open(flightId, {
      open: () => opened++,
      text: (t) => statuses.push(JSON.parse(t) as ReplayStatus),
      binary: (b) => frames.push(parseFrame(b)!),
      closed: () => closedCount++,
    });
  return {
    open,
    frames,
    statuses,
    opened: () => opened,
    closed: () => closedCount,
    /** Bypasses the router: what a hostile page might post. */
    raw: (m: unknown) => port2.postMessage(m),
    closePage: () => port2.close(),
    stationClosed: () => portClosed,
    posted: () => posted,
    postedAfterClose: () => postedAfterClose,
    stop: () => {
      router.close();
      close();
      port1.close();
    },
  };
}

async function tokenOf(user: string): Promise<string> {
  const r = await auth.signIn(user, TEST_PASSWORD, '127.0.0.1');
  if (!r.ok) throw new Error(r.reason);
  return r.token;
}

describe("the same over the desktop app's replay port", () => {
  it('plays the recorded flight over the port: every indexed frame in order from a keyframe, as on the socket', async () => {
    const f = flight('_whole');
    const p = replayPort(await tokenOf('reviewer'));
    try {
      const conn = p.open(f.id);
      expect(await until(() => p.opened() === 1 && p.statuses.length > 0, 10_000)).toBe(true);
      expect(p.statuses[0]).toMatchObject({ type: 'replay-status', state: 'paused', atMs: null, reason: '' });
      expect(conn.send(JSON.stringify({ type: 'play', atMs: f.startMs, rate: 16 } satisfies ReplayControl))).toBe(true);
      expect(await until(() => p.statuses.some((s) => s.state === 'ended'), 30_000)).toBe(true);
      expect(p.statuses.map((s) => s.state)).toEqual(['paused', 'playing', 'ended']);
      expect(p.frames.map((x) => x.seq)).toEqual(index.map((_, i) => i));
      expect(p.frames.map((x) => x.arrivalMs)).toEqual(index.map((l) => l.arrivalMs));
      expect(p.frames[0]!.keyframe).toBe(true);
      expect(p.frames.every((x) => x.drone === 'JH-01' && x.codec === 'h264' && !x.damaged)).toBe(true);
      // Another flight on the same port replaces the stream: what the old one had in flight is not delivered.
      const before = p.frames.length;
      p.open(flight('_mid').id);
      expect(await until(() => p.opened() === 2 && p.statuses.length > 3, 10_000)).toBe(true);
      expect(p.statuses.at(-1)).toMatchObject({ state: 'paused', atMs: null });
      expect(p.frames.length).toBe(before);
    } finally {
      p.stop();
    }
  }, 60_000);

  it('refuses every malformed message with its reason, and the stream goes on', async () => {
    const f = flight('_whole');
    const p = replayPort(await tokenOf('reviewer'));
    try {
      const conn = p.open(f.id);
      expect(await until(() => p.statuses.length > 0, 10_000)).toBe(true);
      const bad: [unknown, string][] = [
        [{ type: 'play', atMs: f.startMs, rate: 1 }, 'JSON text'],
        [42, 'JSON text'],
        [new Uint8Array(8).buffer, 'JSON text'],
        [JSON.stringify({ type: 'seek', atMs: f.startMs, pad: 'x'.repeat(70_000) }), 'at most 65536 bytes'],
        ['{not json', 'not JSON'],
        ['[1,2]', 'a JSON object'],
        ['null', 'a JSON object'],
        [JSON.stringify({ type: 'jump', atMs: 1 }), 'unknown message type "jump"'],
        [JSON.stringify({ atMs: 1 }), 'unknown message type undefined'],
        [JSON.stringify({ type: 'replay-open', stream: -1, flight: f.id }), 'stream number'],
        [JSON.stringify({ type: 'replay-open', stream: 1.5, flight: f.id }), 'stream number'],
        [JSON.stringify({ type: 'replay-open', stream: 7, flight: '' }), 'flight id'],
        [JSON.stringify({ type: 'replay-open', stream: 7, flight: 'x'.repeat(400) }), 'flight id'],
        [JSON.stringify({ type: 'replay-close', stream: 99 }), 'not open'],
        [JSON.stringify({ type: 'ack', bytes: 1e20 }), 'ack needs'],
        [JSON.stringify({ type: 'ack', bytes: -1 }), 'ack needs'],
        [JSON.stringify({ type: 'play', atMs: 'x', rate: 1 }), 'finite atMs'],
        [JSON.stringify({ type: 'play', atMs: f.startMs, rate: -2 }), 'rate > 0'],
      ];
      for (const [m, why] of bad) {
        const n = p.statuses.length;
        p.raw(m);
        expect(await until(() => p.statuses.length > n, 5000), String(why)).toBe(true);
        expect(p.statuses[n], why).toMatchObject({ type: 'replay-status', state: 'error', reason: expect.stringContaining(why) });
      }
      expect(p.frames).toHaveLength(0);
      expect(p.closed()).toBe(0);
      // Still open and answering: a seek lands on its keyframe.
      const midT = index[Math.floor(index.length * 0.6)]!.arrivalMs + 1;
      const n = p.statuses.length;
      conn.send(JSON.stringify({ type: 'seek', atMs: midT } satisfies ReplayControl));
      expect(await until(() => p.statuses.length > n, 10_000)).toBe(true);
      expect(p.statuses[n]).toMatchObject({ state: 'paused', atMs: index[lastAtOrBefore(midT)]!.arrivalMs });
      expect(p.frames.map((x) => x.seq)).toEqual(Array.from({ length: lastAtOrBefore(midT) - lastKeyAtOrBefore(midT) + 1 }, (_, i) => lastKeyAtOrBefore(midT) + i));
      // An unknown flight ends its stream as the socket closes (4404), and the port takes the next one.
      p.open('nope~1');
      expect(await until(() => p.closed() === 1, 10_000)).toBe(true);
      expect(p.statuses.at(-1)).toMatchObject({ state: 'error', reason: 'unknown flight "nope~1"' });
      p.open(f.id);
      expect(await until(() => p.statuses.at(-1)?.state === 'paused', 10_000)).toBe(true);
    } finally {
      p.stop();
    }
  }, 60_000);

  it('needs the replay right, on the port as on /ws/replay: a viewer is refused, a reviewer is let in', async () => {
    const p = replayPort(await tokenOf('viewer'));
    try {
      p.open(flight('_whole').id);
      expect(await until(() => p.closed() === 1, 10_000)).toBe(true);
      expect(p.statuses).toEqual([expect.objectContaining({ state: 'error', reason: expect.stringContaining('viewer may not') })]);
      expect(p.frames).toHaveLength(0);
    } finally {
      p.stop();
    }
    const gone = replayPort('no-such-session');
    try {
      gone.open(flight('_whole').id);
      expect(await until(() => gone.closed() === 1, 10_000)).toBe(true);
      expect(gone.statuses[0]).toMatchObject({ state: 'error', reason: expect.stringContaining('not signed in') });
    } finally {
      gone.stop();
    }
    const upgrade = (who: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}ws/replay?flight=${encodeURIComponent(flight('_whole').id)}`, withSession(who));
        ws.on('open', () => (resolve(101), ws.close()));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await upgrade(await signIn(server.url, 'viewer'))).toBe(403);
    expect(await upgrade(cookie)).toBe(101);
  }, 30_000);

  it('closing the port stops the stream: nothing more is sent towards the page', async () => {
    const f = flight('_whole');
    const p = replayPort(await tokenOf('reviewer'));
    try {
      const conn = p.open(f.id);
      expect(await until(() => p.statuses.length > 0, 10_000)).toBe(true);
      // A quarter speed: the flight's ~6 s take ~24 s, so the stream is still going when the page leaves.
      conn.send(JSON.stringify({ type: 'play', atMs: f.startMs, rate: 0.25 } satisfies ReplayControl));
      expect(await until(() => p.frames.length >= 5, 10_000)).toBe(true);
      p.closePage();
      expect(await until(() => p.stationClosed(), 5000)).toBe(true);
      const posted = p.posted();
      await wait(1500);
      expect(p.posted()).toBe(posted);
      expect(p.postedAfterClose()).toBe(0);
      expect(p.frames.length).toBeLessThan(index.length);
    } finally {
      p.stop();
    }
  }, 30_000);
});
