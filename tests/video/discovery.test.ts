/**
 * Video sources discovered from the drones (station/video/discovery.ts): the URL rules and the stream choice as
 * pure functions; the request/retry schedule on a fake station with a fake clock; and the whole path in the
 * station service with the built-in simulator, whose drones may carry a camera component (sitl/camera.ts) —
 * a UDP stream ffmpeg really sends, a configured source that wins, a drone without a camera, an RTSP URI
 * passed through, malformed and unsupported announcements. Loopback only; every wait is bounded.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, minimal } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { decodePayload, make, type MavLinkData } from '../../mavlink/codec/messages.js';
import { ok } from '../../common/result.js';
import type { CommandOutcome, CommandResult } from '../../mavlink/services/command.js';
import { startStationService, type StationService, type StationServiceOptions } from '../../station/service.js';
import { readTlogFile, type TlogRecord } from '../../station/storage/tlog.js';
import type { RegistryEvent } from '../../station/vehicle/registry.js';
import { DISCOVERY_DEFAULTS, VideoDiscovery, describeStream, pickStream, streamInfoOf, streamUrl, type DiscoveryIo, type StreamInfo } from '../../station/video/discovery.js';
import { ffmpegRtp, freeUdpPortPair } from './ffmpeg.js';

const T = common.VideoStreamType;
const E = common.VideoStreamEncoding;
const RUNNING = common.VideoStreamStatusFlags.RUNNING;
const THERMAL = common.VideoStreamStatusFlags.THERMAL;

const info = (o: Partial<StreamInfo>): StreamInfo => ({ streamId: 1, count: 1, type: T.RTPUDP, flags: RUNNING, encoding: E.H264, name: 'main', uri: '5600', ...o });

describe('VIDEO_STREAM_INFORMATION → a URL the hub opens', () => {
  it('RTP/UDP: a bare port or udp://HOST:PORT; the station listens on every interface, or loopback for a loopback host', () => {
    expect(streamUrl(info({ uri: '5600' }))).toEqual({ ok: true, url: 'rtp://0.0.0.0:5600' });
    expect(streamUrl(info({ uri: 'udp://0.0.0.0:5601' }))).toEqual({ ok: true, url: 'rtp://0.0.0.0:5601' });
    expect(streamUrl(info({ uri: 'udp://:5602' }))).toEqual({ ok: true, url: 'rtp://0.0.0.0:5602' });
    expect(streamUrl(info({ uri: 'udp://127.0.0.1:5604' }))).toEqual({ ok: true, url: 'rtp://127.0.0.1:5604' });
    expect(streamUrl(info({ uri: 'udp265://0.0.0.0:5606', encoding: E.H265 }))).toEqual({ ok: true, url: 'rtp://0.0.0.0:5606' });
    expect(streamUrl(info({ uri: ' 5608 ' }))).toEqual({ ok: true, url: 'rtp://0.0.0.0:5608' });
    const lan = streamUrl(info({ uri: 'udp://192.168.2.1:5600' }));
    expect(lan).toMatchObject({ ok: true, url: 'rtp://0.0.0.0:5600' });
    expect(lan.ok && lan.note).toContain('192.168.2.1');
  });

  it('RTSP is passed through as is', () => {
    for (const uri of ['rtsp://192.168.144.25:8554/main.264', 'rtsp://user:pw@10.0.0.5/stream=0', 'rtsp://cam.local/video1']) {
      expect(streamUrl(info({ type: T.RTSP, uri }))).toEqual({ ok: true, url: uri });
    }
  });

  it('refuses what the hub cannot open, saying why', () => {
    const why = (o: Partial<StreamInfo>) => {
      const r = streamUrl(info(o));
      return r.ok ? `ok ${r.url}` : r.reason;
    };
    expect(why({ uri: '' })).toBe('empty URI');
    expect(why({ uri: '   ' })).toBe('empty URI');
    expect(why({ uri: 'udp://0.0.0.0' })).toContain('without a port');
    expect(why({ uri: '70000' })).toContain('out of range');
    expect(why({ uri: '0' })).toContain('out of range');
    expect(why({ uri: '65535' })).toContain('RTCP');
    expect(why({ uri: 'udp://239.1.1.1:5600' })).toContain('multicast');
    expect(why({ uri: 'http://x/y' })).toContain('neither a port');
    expect(why({ uri: '56\u0000\ufffd00' })).toContain('not a URI');
    expect(why({ type: T.RTSP, uri: 'rtsps://h/x' })).toContain('TLS');
    expect(why({ type: T.RTSP, uri: '192.168.144.25:8554' })).not.toMatch(/^ok/);
    expect(why({ type: T.RTSP, uri: 'http://192.168.144.25:8554/main' })).toContain('rtsp://');
    expect(why({ type: T.RTSP, uri: 'rtsp://' })).not.toMatch(/^ok/);
    expect(why({ type: T.TCP_MPEG, uri: 'tcp://10.0.0.2:5000' })).toContain('MPEG on TCP');
    expect(why({ type: T.MPEG_TS, uri: '5600' })).toContain('MPEG-TS');
    expect(why({ type: 4, uri: 'https://h/whep' })).toContain('WHEP');
    expect(why({ type: 77, uri: '5600' })).toContain('unknown stream type 77');
  });

  it('picks the running, non-thermal, H.264 stream with the lowest id; lists the unusable ones', () => {
    const streams = [
      info({ streamId: 1, flags: RUNNING | THERMAL, uri: '5600' }),
      info({ streamId: 2, flags: 0, uri: '5602' }),
      info({ streamId: 3, flags: RUNNING, encoding: E.H265, uri: '5604' }),
      info({ streamId: 4, flags: RUNNING, encoding: E.H264, uri: '5606' }),
      info({ streamId: 5, flags: RUNNING, encoding: E.H264, uri: '5608' }),
      info({ streamId: 6, type: T.TCP_MPEG, uri: 'tcp://h:1' }),
    ];
    const c = pickStream(streams);
    expect(c.chosen?.info.streamId).toBe(4);
    expect(c.chosen?.url).toBe('rtp://0.0.0.0:5606');
    expect(c.rejected.map((r) => r.info.streamId)).toEqual([6]);
    expect(pickStream([info({ streamId: 1, flags: 0, encoding: E.H265 })]).chosen?.info.streamId).toBe(1);
    expect(pickStream([info({ uri: '' })]).chosen).toBeUndefined();
    expect(pickStream([]).chosen).toBeUndefined();
  });

  it('reads the message defensively and describes it on one line without credentials', () => {
    expect(streamInfoOf(undefined)).toBeUndefined();
    expect(streamInfoOf(make(minimal.Heartbeat, {}))).toBeUndefined();
    const m = make(common.VideoStreamInformation, { streamId: 2, type: 0 as common.VideoStreamType, uri: 'rtsp://u:secret@h/x', name: 'a\nb' });
    const s = streamInfoOf(m)!;
    expect(s).toMatchObject({ streamId: 2, type: 0, uri: 'rtsp://u:secret@h/x' });
    const line = describeStream(s);
    expect(line).not.toContain('secret');
    expect(line).not.toContain('\n');
    expect(line).toContain('rtsp://***@h/x');
  });
});

// ---- the request schedule on a fake station ----

interface FakeStation {
  io: DiscoveryIo;
  clock: FakeClock;
  requests: { atMs: number; sysid: number; compid: number; params: number[] }[];
  added: { drone: string; url: string }[];
  logs: string[];
  emit(e: RegistryEvent): void;
  deliver(sysid: number, compid: number, m: MavLinkData): void;
  components: Map<number, { compid: number; mavType: number }[]>;
}

/** `answer` says what (sysid, compid) replies to a request: an outcome, and messages sent after the ACK. */
function fakeStation(answer: (sysid: number, compid: number) => { outcome: CommandOutcome; then?: MavLinkData[] } | undefined): FakeStation {
  const clock = new FakeClock();
  const t0 = clock.now();
  const events = new Set<(e: RegistryEvent) => void>();
  const frames = new Set<(s: number, c: number, m: MavLinkData | undefined) => void>();
  const f: FakeStation = {
    clock,
    requests: [],
    added: [],
    logs: [],
    components: new Map(),
    emit: (e) => events.forEach((l) => l(e)),
    deliver: (s, c, m) => frames.forEach((l) => l(s, c, m)),
    io: undefined as unknown as DiscoveryIo,
  };
  const result = (outcome: CommandOutcome): CommandResult => ({ outcome, mavResult: undefined, resultParam2: undefined, progressPct: undefined, attempts: 1, rttMs: undefined, elapsedMs: 0 });
  f.io = {
    clock,
    onEvent: (cb) => (events.add(cb), () => events.delete(cb)),
    onMessage: (cb) => (frames.add(cb), () => frames.delete(cb)),
    vehicles: () => [],
    components: (sysid) => f.components.get(sysid) ?? [],
    request: (sysid, compid, params) => {
      f.requests.push({ atMs: clock.now() - t0, sysid, compid, params });
      const a = answer(sysid, compid);
      // No answer: the ACK timeout (1.5 s) passes on the clock.
      if (!a) return new Promise((resolve) => clock.setTimeout(() => resolve(result('timeout')), 1500));
      clock.setTimeout(() => a.then?.forEach((m) => f.deliver(sysid, compid, m)), 20);
      return Promise.resolve(result(a.outcome));
    },
    droneId: (sysid) => `D${sysid}`,
    addSource: async (drone, url) => {
      f.added.push({ drone, url });
      return ok('added' as const);
    },
    log: (l) => f.logs.push(l),
  };
  return f;
}

/** Advance the fake clock in small steps, letting promise continuations run between them. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  for (let left = ms; left > 0; left -= 10) {
    await flush();
    clock.advance(Math.min(10, left));
  }
  await flush();
}

const vsi = (o: Partial<common.VideoStreamInformation>) =>
  make(common.VideoStreamInformation, { streamId: 1, count: 1, type: T.RTPUDP, flags: RUNNING as common.VideoStreamStatusFlags, encoding: E.H264, uri: '5600', name: 'cam', ...o });

describe('VideoDiscovery: whom it asks, how often, what it adds', () => {
  it('an autopilot without a camera (ACCEPTED, nothing follows): 3 requests with backoff, then quiet; again after a reboot', async () => {
    const f = fakeStation(() => ({ outcome: 'accepted' }));
    const d = new VideoDiscovery(f.io).start();
    f.emit({ type: 'vehicle-new', sysid: 11, compid: 1 });
    f.emit({ type: 'streams-requested', sysid: 11, compid: 1, method: 'message-interval' });
    await advance(f.clock, 60_000);
    // Request, 1.5 s for the message, 2 s; request, 1.5 s, 4 s; request, 1.5 s; stop.
    expect(f.requests.map((r) => [r.atMs, r.compid, r.params])).toEqual([
      [0, 1, [269, 0]],
      [3500, 1, [269, 0]],
      [9000, 1, [269, 0]],
    ]);
    expect(f.requests).toHaveLength(DISCOVERY_DEFAULTS.attempts);
    expect(d.targetsOf(11)).toMatchObject([{ kind: 'autopilot', phase: 'done', attempts: 3, outcomes: ['accepted', 'accepted', 'accepted'] }]);
    expect(f.added).toEqual([]);
    expect(f.logs).toEqual([]);
    // Regained (streams requested again) is not a reason to ask; a reboot is.
    f.emit({ type: 'streams-requested', sysid: 11, compid: 1, method: 'message-interval' });
    await advance(f.clock, 1000);
    expect(f.requests).toHaveLength(3);
    f.emit({ type: 'vehicle-rebooted', sysid: 11, compid: 1 });
    f.emit({ type: 'streams-requested', sysid: 11, compid: 1, method: 'message-interval' });
    await advance(f.clock, 20_000);
    expect(f.requests).toHaveLength(6);
    d.close();
    expect(f.clock.pending()).toBe(0);
  });

  it('older firmware (FAILED) and a silent target: 3 requests each, never more', async () => {
    const f = fakeStation((_s, compid) => (compid === 1 ? { outcome: 'failed' } : undefined));
    f.components.set(12, [{ compid: 100, mavType: minimal.MavType.CAMERA }]);
    const d = new VideoDiscovery(f.io).start();
    f.emit({ type: 'vehicle-new', sysid: 12, compid: 1 });
    f.emit({ type: 'streams-requested', sysid: 12, compid: 1, method: 'message-interval' });
    await advance(f.clock, 60_000);
    expect(f.requests.filter((r) => r.compid === 1).map((r) => r.atMs)).toEqual([0, 2000, 6000]);
    expect(f.requests.filter((r) => r.compid === 100).map((r) => r.atMs)).toEqual([0, 3500, 9000]);
    // The autopilot stays quiet in the log; a camera that never says what it streams gets one line.
    expect(f.logs).toHaveLength(1);
    expect(f.logs[0]).toContain('D12: camera 100 announced no video stream after 3 requests (timeout, timeout, timeout)');
    d.close();
  });

  it('a camera component: ACK, its streams, the best one added; the autopilot is no longer asked', async () => {
    const f = fakeStation((_s, compid) =>
      compid === 100
        ? { outcome: 'accepted', then: [vsi({ streamId: 1, flags: (RUNNING | THERMAL) as common.VideoStreamStatusFlags, uri: 'udp://0.0.0.0:5610' }), vsi({ streamId: 2, count: 2, uri: 'udp://0.0.0.0:5600', name: 'Visual' })] }
        : { outcome: 'accepted' },
    );
    const d = new VideoDiscovery(f.io).start();
    f.emit({ type: 'vehicle-new', sysid: 13, compid: 1 });
    f.emit({ type: 'streams-requested', sysid: 13, compid: 1, method: 'message-interval' });
    await advance(f.clock, 1000);
    f.components.set(13, [{ compid: 100, mavType: minimal.MavType.CAMERA }]);
    f.emit({ type: 'component-new', sysid: 13, compid: 1, componentId: 100, mavType: minimal.MavType.CAMERA });
    await advance(f.clock, 30_000);
    expect(f.added).toEqual([{ drone: 'D13', url: 'rtp://0.0.0.0:5600' }]);
    expect(f.logs.find((l) => l.includes('D13 announces stream 2 "Visual" RTP/UDP H.264'))).toContain('(camera 100) → rtp://0.0.0.0:5600');
    // The autopilot was asked once before the camera answered, not after.
    expect(f.requests.filter((r) => r.compid === 1)).toHaveLength(1);
    expect(f.requests.filter((r) => r.compid === 100)).toHaveLength(1);
    // The same announcement again (a camera repeating itself) changes nothing and logs nothing new.
    const logs = f.logs.length;
    f.deliver(13, 100, vsi({ streamId: 2, count: 2, uri: 'udp://0.0.0.0:5600', name: 'Visual' }));
    await advance(f.clock, 2000);
    expect(f.logs).toHaveLength(logs);
    d.close();
  });

  it('takes an unasked announcement; a malformed one is logged with the drone and nothing is added; garbage does not throw', async () => {
    const f = fakeStation(() => undefined);
    const d = new VideoDiscovery(f.io).start();
    f.deliver(14, 101, vsi({ uri: '' }));
    f.deliver(14, 101, make(common.VideoStreamInformation, { streamId: 255, type: 250 as common.VideoStreamType, uri: '\ufffd\ufffd', name: '\u0001' }));
    f.deliver(14, 1, undefined as unknown as MavLinkData);
    await advance(f.clock, 2000);
    expect(f.added).toEqual([]);
    expect(f.logs).toHaveLength(1);
    expect(f.logs[0]).toMatch(/D14 \(camera 101\) offers no stream the station can open: .*uri "": empty URI; stream 255 "\?" type 250 .*not a URI/);
    f.deliver(14, 102, vsi({ type: T.RTSP, uri: 'rtsp://10.0.0.5:8554/main' }));
    await advance(f.clock, 2000);
    expect(f.added).toEqual([{ drone: 'D14', url: 'rtsp://10.0.0.5:8554/main' }]);
    d.close();
  });
});

// ---- the station service with the built-in simulator ----

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await wait(50)) if (f()) return true;
  return f();
}

let service: StationService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function serve(o: Partial<StationServiceOptions>, logs: string[]): Promise<StationService & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-disc-'));
  const s = await startStationService({ dataDir, staticDir: dataDir, port: 0, anyPortIfTaken: true, simWarmupMs: 2000, log: (l) => logs.push(l), ...o });
  if (!s.ok) throw new Error(s.reason);
  service = s.value;
  return Object.assign(s.value, { dataDir });
}

/**
 * The station's MAV_CMD_REQUEST_MESSAGE(VIDEO_STREAM_INFORMATION) commands as recorded on the wire (the tlogs,
 * flushed every second), by drone id and target component: "JH-01/100" → count.
 */
function tlogFrames(s: StationService & { dataDir: string }): TlogRecord[] {
  const dir = join(s.dataDir, 'tlogs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.tlog'))
    .flatMap((f) => readTlogFile(join(dir, f)));
}

function videoRequests(s: StationService & { dataDir: string }): Map<string, number> {
  const ids = new Map(s.files.fleet.drones.map((d) => [d.sysid, d.id] as const));
  const out = new Map<string, number>();
  for (const { frame } of tlogFrames(s)) {
    if (frame.msgid !== 76 || frame.sysid !== 255) continue;
    const m = decodePayload(76, frame.payload);
    if (!(m instanceof common.CommandLong) || m.command !== common.MavCmd.REQUEST_MESSAGE || m._param1 !== 269) continue;
    const key = `${ids.get(m.targetSystem) ?? m.targetSystem}/${m.targetComponent}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

describe('discovery in the station service (built-in simulator)', () => {
  it('a drone with a camera announcing udp://0.0.0.0:PORT gets a source, and the frames ffmpeg sends there arrive', async () => {
    const port = await freeUdpPortPair();
    const logs: string[] = [];
    const s = await serve({ simCameras: [{ drone: 'JH-01', uri: `udp://0.0.0.0:${port}` }] }, logs);
    expect(await until(() => s.video.drones().includes('JH-01'), 20_000)).toBe(true);
    expect(s.video.status().find((v) => v.drone === 'JH-01')?.url).toBe(`rtp://0.0.0.0:${port}`);
    expect(logs.find((l) => l.includes('video: JH-01 announces'))).toContain(`(camera 100) → rtp://0.0.0.0:${port}`);
    expect(s.video.drones()).toEqual(['JH-01']);
    // The camera answered the first request: one request to component 100, and its answer came within a second
    // or two of the drone's first frame (a lost first request would mean a 1.5 s timeout and a 2 s backoff).
    await wait(1200);
    expect(videoRequests(s).get('JH-01/100')).toBe(1);
    const sysid = s.files.fleet.drones.find((d) => d.id === 'JH-01')!.sysid;
    const frames = tlogFrames(s).filter((r) => r.frame.sysid === sysid);
    const firstUs = Math.min(...frames.map((r) => r.timeUs));
    const vsiUs = frames.find((r) => r.frame.msgid === 269 && r.frame.compid === 100)!.timeUs;
    expect((vsiUs - firstUs) / 1000).toBeLessThan(2000);
    const ff = ffmpegRtp(port, { size: '320x240', seconds: 20, gop: 10, extra: ['-x264-params', 'repeat-headers=1'] });
    try {
      expect(await until(() => (s.video.stats('JH-01')?.units ?? 0) > 0, 15_000)).toBe(true);
    } finally {
      ff.kill('SIGKILL');
    }
  }, 60_000);

  it('a configured --video source for the drone wins over the one it announces', async () => {
    const configured = await freeUdpPortPair();
    const announced = await freeUdpPortPair();
    const logs: string[] = [];
    const s = await serve({ video: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${configured}` }], simCameras: [{ drone: 'JH-01', uri: `udp://0.0.0.0:${announced}` }] }, logs);
    expect(await until(() => logs.some((l) => l.includes('video: JH-01 announces') && l.includes('the configured source is kept')), 20_000)).toBe(true);
    expect(s.video.status().map((v) => [v.drone, v.url])).toEqual([['JH-01', `rtp://127.0.0.1:${configured}`]]);
    // The announced port was never opened: it can still be bound here.
    const probe = createSocket('udp4');
    await expect(new Promise<void>((resolve, reject) => (probe.once('error', reject), probe.bind(announced, '127.0.0.1', () => resolve())))).resolves.toBeUndefined();
    probe.close();
    const ff = ffmpegRtp(configured, { size: '320x240', seconds: 20, gop: 10, extra: ['-x264-params', 'repeat-headers=1'] });
    try {
      expect(await until(() => (s.video.stats('JH-01')?.units ?? 0) > 0, 15_000)).toBe(true);
    } finally {
      ff.kill('SIGKILL');
    }
  }, 60_000);

  it('drones without a camera: each is asked the documented number of times, then no more; nothing added, nothing logged, no crash', async () => {
    const logs: string[] = [];
    const timings = { backoffMs: [300, 600], infoWaitMs: 400 };
    const s = await serve({ videoDiscovery: timings }, logs);
    const n = DISCOVERY_DEFAULTS.attempts;
    const drones = s.files.fleet.drones.map((d) => `${d.id}/1`);
    expect(drones).toHaveLength(7);
    const all = () => {
      const r = videoRequests(s);
      return drones.every((k) => (r.get(k) ?? 0) >= n);
    };
    expect(await until(all, 20_000)).toBe(true);
    // Longer than a whole round of requests and waits (and a tlog flush): nobody asks again.
    await wait(n * (timings.infoWaitMs + 600) + 1500);
    expect(Object.fromEntries(videoRequests(s))).toEqual(Object.fromEntries(drones.map((k) => [k, n])));
    expect(s.video.drones()).toEqual([]);
    expect(logs.filter((l) => l.includes('video:'))).toEqual([]);
    expect(s.station.snapshot().vehicles).toHaveLength(7);
  }, 60_000);

  it('an RTSP URI is passed to the hub as it is', async () => {
    const logs: string[] = [];
    const uri = 'rtsp://127.0.0.1:1/live/main';
    const s = await serve({ simCameras: [{ drone: 'JH-02', uri }] }, logs);
    expect(await until(() => s.video.drones().includes('JH-02'), 20_000)).toBe(true);
    expect(s.video.status().find((v) => v.drone === 'JH-02')?.url).toBe(uri);
    expect(logs.find((l) => l.includes('video: JH-02 announces'))).toContain(`RTSP H.264 uri "${uri}" (camera 100) → ${uri}`);
  }, 60_000);

  it('malformed and unsupported announcements: a log line naming the drone and what it offered, nothing added', async () => {
    const logs: string[] = [];
    const s = await serve(
      {
        simCameras: [
          { drone: 'JH-03', uri: '' },
          { drone: 'JH-04', uri: 'tcp://127.0.0.1:5000' },
          { drone: 'JH-05', uri: 'udp://0.0.0.0:99999' },
        ],
      },
      logs,
    );
    const line = (drone: string) => logs.find((l) => l.includes(`video: ${drone} (camera 100) offers no stream`));
    expect(await until(() => ['JH-03', 'JH-04', 'JH-05'].every((d) => line(d) !== undefined), 20_000)).toBe(true);
    expect(line('JH-03')).toContain('stream 1 "Sim camera" RTSP encoding unknown uri "": empty URI');
    expect(line('JH-04')).toContain('MPEG on TCP H.264 uri "tcp://127.0.0.1:5000": MPEG on TCP is not supported');
    expect(line('JH-05')).toContain('uri "udp://0.0.0.0:99999": UDP port 99999 out of range');
    await wait(1000);
    expect(s.video.drones()).toEqual([]);
    // Said once per drone, not at every retry.
    for (const d of ['JH-03', 'JH-04', 'JH-05']) expect(logs.filter((l) => l.includes(`video: ${d} `))).toHaveLength(1);
  }, 60_000);
});
