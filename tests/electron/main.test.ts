/**
 * The desktop app's main process, run for real in Node with a stand-in for the `electron` module
 * (fake-electron.cjs): it starts the station core in-process, opens the dispatch desk and — with a second
 * display — the wall screen on the app's own scheme (kongxun://app/, registered privileged before ready and
 * answered in-process: no TCP port is open), both sandboxed with context isolation; blocks new windows and
 * foreign navigation; denies permission requests; signs its windows in (the session it vouches for, never a
 * cookie the page holds); hands each page a MessagePort over which the console protocol flows (hello,
 * snapshots, command results); shows the station's own day plan as `kongxun serve` does (planned into its data
 * folder for today, station time); and stops the station on quit.
 *
 * Video: the sample fleet with JH-01's camera at rtp://127.0.0.1:P, fed by ffmpeg (libx264 test pattern), so
 * the station's real video hub runs. Each page also gets a video port; nothing flows on it until the page
 * subscribes; then JH-01's frames come out of the page's end as ArrayBuffers, starting at a keyframe; they stop
 * when it unsubscribes; a view switch (same-document navigation) keeps the port, a reload replaces it, and when
 * the window closes the hub lets go of it (nothing is posted to a closed port). A page may open exactly one kind of
 * window — a drone's video, `?view=video&drone=ID` on the app's origin — which goes to the second display,
 * locked down like the others, with its own ports; every other URL is still denied.
 *
 * Replay: the app's data folder holds a flight recorded with video (tests/replay/recorded-flight.ts: a real
 * stream recorded by the station's video hub, and the drone's tlog). Each page also gets a replay port (fresh on
 * every load): over it the page opens that flight and gets its recorded frames, in order from a keyframe, as
 * /ws/replay sends them; malformed messages are each refused with a reason and nothing ends; when the page
 * closes the port, the stream stops (nothing is posted to the closed port).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegRtp, freeUdpPortPair } from '../video/ffmpeg.js';
import { recordFlight, type RecordedFlight } from '../replay/recorded-flight.js';
import type { FlightSummary, PlanMessage, ReplayStatus } from '../../common/api/contract.js';
import { localDate } from '../../station/app/own-day.js';

interface Report {
  type: string;
  window?: number;
  url?: string;
  options?: { webPreferences: Record<string, unknown>; x?: number };
  newWindow?: string;
  foreignNavigationBlocked?: boolean;
  data?: string;
  granted?: boolean;
  channel?: string;
  drone?: string;
  bytes?: number;
  arrayBuffer?: boolean;
  keyframe?: boolean;
  keyOnly?: boolean;
  seq?: number;
  arrivalMs?: number;
  action?: string;
  cookie?: { url: string; name: string; value: string; httpOnly: boolean; sameSite: string; secure: boolean };
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  servers?: unknown[];
  schemes?: { scheme: string; privileges: Record<string, boolean> }[];
  ready?: boolean;
}

let child: ChildProcess;
let ffmpeg: ChildProcess | undefined;
let recorded: RecordedFlight;
let userData: string;
const before = Date.now();
const reports: Report[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const of = (type: string, window?: number) => reports.filter((r) => r.type === type && (window === undefined || r.window === window));
const frames = (window: number) => of('video-frame', window);

/** A request of the app's scheme, as a page of it makes one: answered by the main process's protocol handler. */
async function schemeFetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Report> {
  const before = of('fetched').length;
  child.send({ type: 'fetch', url, ...(init ? { init } : {}) });
  await until(() => of('fetched').length > before, `the answer to ${url}`);
  return of('fetched')[before]!;
}

async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  for (let waited = 0; !pred(); waited += 100) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(reports.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const build = await import('../../scripts/build.mjs');
  await build.buildRenderer();
  await build.buildElectron();
  // The sample station, with a camera on JH-01.
  const samples = mkdtempSync(join(tmpdir(), 'kongxun-electron-samples-'));
  copyFileSync(join('resources', 'samples', 'jinhai.geojson'), join(samples, 'jinhai.geojson'));
  const rtpPort = await freeUdpPortPair();
  const fleet = JSON.parse(readFileSync(join('resources', 'samples', 'fleet.json'), 'utf8')) as { drones: { id: string; video?: string }[] };
  fleet.drones.find((d) => d.id === 'JH-01')!.video = `rtp://127.0.0.1:${rtpPort}`;
  writeFileSync(join(samples, 'fleet.json'), JSON.stringify(fleet));
  // The app's data folder, with a flight of JH-01 recorded with video.
  userData = mkdtempSync(join(tmpdir(), 'kongxun-electron-data-'));
  recorded = await recordFlight(userData);
  child = fork(join('out', 'electron', 'main.cjs'), [], {
    execArgv: ['--require', join(process.cwd(), 'tests', 'electron', 'fake-electron.cjs')],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, KONGXUN_SAMPLES: samples, KONGXUN_FAKE_USER_DATA: userData },
  });
  child.on('message', (m) => reports.push(m as Report));
  child.stderr!.on('data', (b: Buffer) => reports.push({ type: 'stderr', data: b.toString() }));
  // The live feed starts only once the recorded flight has ended: the app records JH-01's live video too, and a
  // recording begun within the flight's span is that flight's video as well (seen once: two recordings listed
  // for the flight when the app started fast).
  await sleep(Math.max(0, recorded.span.endMs + 500 - Date.now()));
  ffmpeg = ffmpegRtp(rtpPort, { size: '320x240', rate: 30, gop: 30 });
}, 120_000);

afterAll(() => {
  ffmpeg?.kill('SIGKILL');
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('electron main process (in Node, with a stand-in for Electron)', () => {
  it('opens the desk and the wall screen on the in-process station, sandboxed', async () => {
    await until(() => reports.filter((r) => r.type === 'window').length >= 2, 'two windows');
    const [desk, wall] = reports.filter((r) => r.type === 'window');
    expect(desk!.url).toBe('kongxun://app/?view=desk');
    expect(wall!.url).toBe('kongxun://app/?view=wall');
    const schemes = of('schemes')[0]!;
    expect(schemes.ready).toBe(false);
    expect(schemes.schemes).toEqual([{ scheme: 'kongxun', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    expect(wall!.options!.x).toBe(1920);
    for (const w of [desk!, wall!]) {
      expect(w.options!.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
      expect(w.newWindow).toBe('deny');
      expect(w.foreignNavigationBlocked).toBe(true);
    }
    expect(reports.find((r) => r.type === 'permission')?.granted).toBe(false);
    const page = await schemeFetch(desk!.url!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Content-Security-Policy');
    expect(page.headers!['content-security-policy']).toContain("frame-ancestors 'none'");
    // The app's own window needs no TCP port: none is open.
    child.send({ type: 'listening' });
    await until(() => of('listening').length > 0, 'the listening servers');
    expect(of('listening')[0]!.servers).toEqual([]);
    expect(reports.some((r) => r.type === 'stderr' && /first administrator/.test(r.data!))).toBe(false);
  });

  it('signs its own windows in with a per-launch session it vouches for; the page holds no cookie of it', async () => {
    expect(of('cookie')).toEqual([]);
    const me = await schemeFetch('kongxun://app/api/me');
    expect(JSON.parse(me.body!)).toEqual({ user: 'desktop', role: 'pilot', desktop: true });
    // The same routes as over HTTP: flights, video status, tiles (none: 204); the plan's files: the desk test below.
    expect((await schemeFetch('kongxun://app/api/flights')).status).toBe(200);
    expect(JSON.parse((await schemeFetch('kongxun://app/api/video')).body!)).toEqual(expect.arrayContaining([expect.objectContaining({ drone: 'JH-01' })]));
    expect((await schemeFetch('kongxun://app/tiles/3/6/3.png')).status).toBe(204);
    // A pilot is not an admin; the app's session is not the page's to end; another host of the scheme is refused.
    expect((await schemeFetch('kongxun://app/api/users')).status).toBe(403);
    expect((await schemeFetch('kongxun://app/api/logout', { method: 'POST', headers: { origin: 'kongxun://app' } })).status).toBe(403);
    expect((await schemeFetch('kongxun://other/api/me')).status).toBe(403);
    expect((await schemeFetch('kongxun://app/%')).status).toBe(400);
    // The hello over the window's MessagePort says who it is.
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"type":"hello"')), 'hello over the port');
    const hello = JSON.parse(reports.find((r) => r.type === 'port-message' && r.data!.includes('"type":"hello"'))!.data!);
    expect(hello.who).toEqual({ user: 'desktop', role: 'pilot', desktop: true });
  });

  it('shows the station\'s own day plan, as `kongxun serve` does: planned into its data folder, for today, station time', async () => {
    await until(() => reports.some((r) => r.type === 'port-message' && r.window === 1 && r.data!.startsWith('{"type":"plan"')), 'a plan over the desk\'s port');
    const plan = JSON.parse(reports.find((r) => r.type === 'port-message' && r.window === 1 && r.data!.startsWith('{"type":"plan"'))!.data!) as PlanMessage;
    // The sample station's day (Asia/Shanghai); the test may straddle its midnight, so either side of it.
    const days = [before, Date.now()].map((t) => localDate(t, 'Asia/Shanghai'));
    expect(days).toContain(plan.schedule.date);
    expect(plan.schedule.station).toBe('jinhai');
    expect(plan.schedule.sorties.filter((x) => x.kind === 'patrol')).toHaveLength(72);
    expect(plan.routes.length).toBeGreaterThan(0);
    // Planned where `kongxun serve` plans it (DATA/plans/<date>/), and its sortie files served to the page.
    expect(existsSync(join(userData, 'plans', plan.schedule.date, 'schedule.json'))).toBe(true);
    const sortie = plan.schedule.sorties[0]!;
    const file = await schemeFetch(`kongxun://app/plan-files/${sortie.plan}`);
    expect(file.status).toBe(200);
    expect(JSON.parse(file.body!).fileType).toBe('Plan');
  });

  it('speaks the console protocol over the MessagePort handed to each page', async () => {
    await until(() => reports.some((r) => r.type === 'port' && r.channel === 'kongxun:port'), 'a port for the page');
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"type":"hello"')), 'hello over the port');
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"type":"snapshot"')), 'a snapshot over the port');
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"requestId":"electron-test"')), 'the command result');
    const result = JSON.parse(reports.find((r) => r.type === 'port-message' && r.data!.includes('"requestId":"electron-test"'))!.data!);
    expect(result.type).toBe('result');
  });

  it('gives each page a video port: nothing until it subscribes, then the drone\'s frames, from a keyframe', async () => {
    await until(() => of('port').filter((r) => r.channel === 'kongxun:video-port').length >= 2, 'a video port for the desk and the wall');
    // Subscribed to nothing: the hub has no peer for the page, not even for its status.
    await sleep(1500);
    expect(of('video-frame')).toEqual([]);
    expect(of('video-text')).toEqual([]);

    child.send({ type: 'video-subscribe', window: 1, drones: ['JH-01'] });
    await until(() => frames(1).length >= 30, '30 frames on the desk\'s video port');
    const got = frames(1);
    expect(got.every((f) => f.drone === 'JH-01' && f.arrayBuffer && f.bytes! > 30)).toBe(true);
    expect(got[0]!.keyframe).toBe(true);
    await until(() => of('video-text', 1).some((r) => r.data!.includes('"type":"video-status"') && r.data!.includes('"drone":"JH-01"')), 'video status on the port');
    expect(frames(2)).toEqual([]);

    // Unsubscribed: the frames stop (after what was already in flight).
    child.send({ type: 'video-subscribe', window: 1, drones: [] });
    await sleep(300);
    const stopped = frames(1).length;
    await sleep(1000);
    expect(frames(1).length).toBe(stopped);
    child.send({ type: 'video-subscribe', window: 1, drones: ['JH-01'] });
    await until(() => frames(1).length >= stopped + 10, 'frames again after subscribing again');

    // A preview (a wall tile not in focus): keyframes only, flagged; back in focus, every frame again.
    child.send({ type: 'video-subscribe', window: 1, drones: ['JH-01'], preview: ['JH-01'] });
    await sleep(300);
    const previewFrom = frames(1).length;
    await until(() => frames(1).length >= previewFrom + 2, 'two preview frames');
    expect(frames(1).slice(previewFrom).every((f) => f.keyframe && f.keyOnly)).toBe(true);
    child.send({ type: 'video-subscribe', window: 1, drones: ['JH-01'], preview: [] });
    await until(() => frames(1).slice(previewFrom).some((f) => !f.keyframe), 'full-rate frames again');
    expect(frames(1).at(-1)!.keyOnly).toBe(false);
  });

  it('gives each page a replay port: a recorded flight\'s frames over it, malformed messages refused, closing it stops the stream', async () => {
    await until(() => of('port').filter((r) => r.channel === 'kongxun:replay-port').length >= 2, 'a replay port for the desk and the wall');
    const flights = JSON.parse((await schemeFetch('kongxun://app/api/flights')).body!) as FlightSummary[];
    const f = flights.find((x) => x.tlog === recorded.tlog)!;
    expect(f).toMatchObject({ drone: 'JH-01', startMs: recorded.span.startMs, endMs: recorded.span.endMs, video: [recorded.tsName] });
    const replaySend = (data: unknown) => child.send({ type: 'replay-send', window: 1, data });
    const statuses = () => of('replay-text', 1).map((r) => JSON.parse(r.data!) as ReplayStatus | { type: string; stream?: number; code?: number });
    const replayStatuses = () => statuses().filter((m): m is ReplayStatus => m.type === 'replay-status');
    const replayFrames = () => of('replay-frame', 1);

    // Open the flight: the stream is announced, then its first status, as on /ws/replay.
    replaySend(JSON.stringify({ type: 'replay-open', stream: 1, flight: f.id }));
    await until(() => replayStatuses().length > 0, 'the replay\'s first status');
    expect(statuses()[0]).toEqual({ type: 'replay-opened', stream: 1, flight: f.id });
    expect(replayStatuses()[0]).toMatchObject({ state: 'paused', atMs: null, reason: '' });

    // Play it at 16×: every recorded frame, in order, from a keyframe, with its original arrival time.
    replaySend(JSON.stringify({ type: 'play', atMs: f.startMs, rate: 16 }));
    await until(() => replayStatuses().some((x) => x.state === 'ended'), 'the end of the recording');
    const got = replayFrames();
    expect(got.map((x) => x.seq)).toEqual(recorded.index.map((_, i) => i));
    expect(got.map((x) => x.arrivalMs)).toEqual(recorded.index.map((l) => l.arrivalMs));
    expect(got[0]!.keyframe).toBe(true);
    expect(got.every((x) => x.drone === 'JH-01' && x.arrayBuffer)).toBe(true);
    expect(of('replay-frame', 2)).toEqual([]);

    // Malformed messages: each refused with its reason; the port, the stream and the station go on.
    const bad: [unknown, string][] = [
      [{ type: 'play', atMs: f.startMs, rate: 1 }, 'JSON text'],
      [42, 'JSON text'],
      ['{oops', 'not JSON'],
      [JSON.stringify({ type: 'jump', atMs: 1 }), 'unknown message type "jump"'],
      [JSON.stringify({ type: 'seek', atMs: f.startMs, pad: 'x'.repeat(70_000) }), 'at most 65536 bytes'],
      [JSON.stringify({ type: 'replay-open', stream: -1, flight: f.id }), 'stream number'],
      [JSON.stringify({ type: 'ack', bytes: -5 }), 'ack needs'],
    ];
    for (const [data, why] of bad) {
      const n = replayStatuses().length;
      replaySend(data);
      await until(() => replayStatuses().length > n, `the refusal of ${why}`);
      expect(replayStatuses()[n], why).toMatchObject({ state: 'error', reason: expect.stringContaining(why) });
    }
    const seekAt = recorded.index[Math.floor(recorded.index.length / 2)]!.arrivalMs;
    const n = replayStatuses().length;
    replaySend(JSON.stringify({ type: 'seek', atMs: seekAt }));
    await until(() => replayStatuses().length > n, 'the seek\'s answer');
    expect(replayStatuses()[n]).toMatchObject({ state: 'paused', atMs: seekAt });
    expect(statuses().some((m) => m.type === 'replay-closed')).toBe(false);

    // Playing at a quarter speed, the page closes its port: the stream stops, nothing is posted to the closed port.
    const playFrom = replayFrames().length;
    replaySend(JSON.stringify({ type: 'play', atMs: f.startMs, rate: 0.25 }));
    await until(() => replayFrames().length >= playFrom + 3, 'frames at a quarter speed');
    child.send({ type: 'replay-close', window: 1 });
    await until(() => of('replay-port-closed', 1).length > 0, 'the replay port closing');
    const stopped = replayFrames().length;
    await sleep(1500);
    expect(replayFrames().length).toBe(stopped);
    expect(stopped - playFrom).toBeLessThan(recorded.index.length);
    expect(of('posted-after-close')).toEqual([]);
    // Nothing else went with it: the desk's console port still answers.
    const hellos = of('port-message', 1).length;
    await until(() => of('port-message', 1).length > hellos, 'snapshots still on the desk\'s console port');
  });

  it('opens a drone\'s video in a window of its own on the second display, and denies every other window', async () => {
    const desk = of('window')[0]!;
    const origin = 'kongxun://app';
    expect(desk.url!.startsWith(`${origin}/`)).toBe(true);
    const video = `${origin}/?view=video&drone=JH-01`;
    const denied = [
      `${origin}/?view=desk`,
      `${origin}/?view=video`,
      `${origin}/?view=video&drone=`,
      `${origin}/?view=video&drone=JH-01&lang=en&x=1`,
      `${origin}/?view=video&drone=JH-01#x`,
      `${origin}/other?view=video&drone=JH-01`,
      `kongxun://app:80/?view=video&drone=JH-01`,
      `kongxun://user@app/?view=video&drone=JH-01`,
      `kongxun://app.evil/?view=video&drone=JH-01`,
      `evil://app/?view=video&drone=JH-01`,
      `http://127.0.0.1:8080/?view=video&drone=JH-01`,
      `https://evil.example/?view=video&drone=JH-01`,
      'file:///etc/passwd',
      'about:blank',
    ];
    for (const url of [...denied, video]) child.send({ type: 'open', window: 1, url });
    await until(() => of('open').length >= denied.length + 1, 'the window-open handler\'s answers');
    const answers = of('open');
    for (const url of denied) expect(answers.find((a) => a.url === url)?.action, url).toBe('deny');
    const allowed = answers.find((a) => a.url === video)!;
    expect(allowed.action).toBe('allow');
    expect(allowed.options!.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(allowed.options!.webPreferences.preload)).toMatch(/preload\.cjs$/);
    expect(allowed.options!.x).toBeGreaterThanOrEqual(1920);

    // The new window: locked down like the others, with its own console and video ports.
    await until(() => of('window').some((w) => w.url === video), 'the video window loading');
    const popup = of('window').find((w) => w.url === video)!;
    expect(popup.options!.x).toBeGreaterThanOrEqual(1920);
    expect(popup.newWindow).toBe('deny');
    expect(popup.foreignNavigationBlocked).toBe(true);
    await until(() => of('port', popup.window).length >= 3, 'the video window\'s ports');
    expect(of('port', popup.window).map((p) => p.channel).sort()).toEqual(['kongxun:port', 'kongxun:replay-port', 'kongxun:video-port']);
    await until(() => of('port-message', popup.window).some((r) => r.data!.includes('"type":"snapshot"')), 'telemetry in the video window');
    child.send({ type: 'video-subscribe', window: popup.window, drones: ['JH-01'] });
    await until(() => frames(popup.window!).length >= 10, 'frames in the video window');
  });

  it('keeps a page\'s video across a view switch (same-document navigation) and replaces it on a reload', async () => {
    child.send({ type: 'video-subscribe', window: 2, drones: ['JH-01'] });
    await until(() => frames(2).length >= 10, 'frames on the wall\'s video port');
    child.send({ type: 'navigate', window: 2, sameDocument: true });
    const before = frames(2).length;
    await until(() => frames(2).length >= before + 15, 'frames still coming after history.replaceState');
    expect(of('video-port-closed', 2)).toEqual([]);

    const ports = of('port', 2).length;
    child.send({ type: 'navigate', window: 2, sameDocument: false });
    await until(() => of('video-port-closed', 2).length > 0, 'the old page\'s video port closing');
    await until(() => of('port', 2).length >= ports + 3, 'fresh ports for the reloaded page');
    expect(of('port', 2).slice(ports).map((p) => p.channel).sort()).toEqual(['kongxun:port', 'kongxun:replay-port', 'kongxun:video-port']);
    await sleep(1000);
    expect(of('posted-after-close')).toEqual([]);
  });

  it('lets go of a window\'s video when it closes', async () => {
    const popup = of('window').find((w) => w.url!.includes('view=video'))!.window!;
    const deskBefore = frames(1).length;
    child.send({ type: 'close', window: popup });
    await until(() => of('video-port-closed', popup).length > 0, 'the closed window\'s video port closing');
    const after = frames(popup).length;
    await sleep(1500);
    // Had the hub kept the peer, it would still be posting to the closed port.
    expect(of('posted-after-close')).toEqual([]);
    expect(frames(popup).length).toBe(after);
    expect(frames(1).length).toBeGreaterThan(deskBefore + 10);
  });

  it('stops the station on quit', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.send('quit');
    expect(await exited).toBe(0);
  });
});
